/**
 * The receiver's post worker: a worker thread that runs PostProcessor (post-processor.ts) on the
 * requests its parent posts, one at a time, in order, and posts each reply back with its buffers
 * moved. Started by post-worker.ts with the processor's config as workerData.
 */
import { parentPort, workerData } from 'worker_threads';
import { PostProcessor, PostRequest, ProcessorConfig } from './post-processor';

const port = parentPort;
if (port) {
  const processor = new PostProcessor(workerData as ProcessorConfig);
  port.on('message', (req: PostRequest) => {
    const { reply, transfer } = processor.handle(req);
    port.postMessage(reply, transfer);
  });
}
