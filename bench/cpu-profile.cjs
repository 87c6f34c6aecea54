// Preloaded by `npm run bench:subgraphs -- --profile DIR` into each subgraph (NODE_OPTIONS=--require;
// Node 20 refuses --cpu-prof there): the first SIGUSR2 starts a V8 CPU profile, the next writes it
// to $CPU_PROFILE_DIR/<pid>-<time>.cpuprofile (open it in Chrome DevTools or speedscope), so a profile
// covers the measured requests only.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const session = new inspector.Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
    return;
  }
  running = false;
  session.post('Profiler.stop', (error, { profile }) => {
    if (!error) writeFileSync(path.join(process.env.CPU_PROFILE_DIR, `${process.pid}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
  });
});
