/**
 * `--cpu-prof` for the Node-RED process that scripts/start.js starts (node refuses --cpu-prof in
 * NODE_OPTIONS, --require is allowed): NODE_OPTIONS="--require <this file>" with
 * BENCH_CPU_PROF_DIR=<dir> profiles the process running node-red's red.js (not the launcher) and
 * writes <dir>/node-red-<pid>.cpuprofile when it exits (Node-RED exits on SIGTERM). A file
 * <dir>/restart starts the profile again (drops what was sampled so far: start-up, warm-up); a file,
 * because Node-RED stops on SIGUSR2.
 */
'use strict';
if (/red\.js$/.test(process.argv[1] || '') && process.env.BENCH_CPU_PROF_DIR) {
  const inspector = require('inspector');
  const fs = require('fs');
  const path = require('path');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const restart = path.join(process.env.BENCH_CPU_PROF_DIR, 'restart');
  setInterval(() => {
    if (!fs.existsSync(restart)) return;
    fs.unlinkSync(restart);
    session.post('Profiler.stop', () => session.post('Profiler.start'));
  }, 100).unref();
  process.on('exit', () => {
    // the in-process session answers synchronously, so this runs to the end before exit
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const dir = process.env.BENCH_CPU_PROF_DIR;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `node-red-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
