// Child processes a test started and that are still running: killed when the test process
// exits, whatever ends it (a failed assertion, a timeout), so no server outlives its test.
const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

// Tracks `child` until it exits.
export function killedOnExit(child) {
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}
