// A post worker that misbehaves on purpose (test/unit/post-worker.test.ts): a request whose `now`
// is 1 makes it exit, 2 makes it hang (busy, as a post that never ends), anything else is answered 400.
const { parentPort } = require('worker_threads');
parentPort.on('message', (req) => {
  if (req.now === 1) process.exit(3);
  if (req.now === 2) for (;;);
  parentPort.postMessage({ id: req.id, ok: false, status: 400, error: 'fine' });
});
