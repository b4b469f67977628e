// The driver's ceiling (and the "bare node" of the fleet): frames stdin into lines on
// Buffers, parses nothing, answers each action's status. What the driver and the pipe
// can move when the child costs (almost) nothing.
const ACTION = /"action"\s*:\s*"([A-Za-z]+)"/;
let head = null; // first bytes of the current line, enough to find its action
process.stdin.on('data', (chunk) => {
  let start = 0;
  for (;;) {
    const nl = chunk.indexOf(10, start);
    if (head === null) head = chunk.subarray(start, Math.min(chunk.length, start + 64)).toString('latin1');
    else if (head.length < 64) head += chunk.subarray(start, Math.min(chunk.length, start + 64)).toString('latin1');
    if (nl === -1) return;
    const action = ACTION.exec(head)?.[1];
    head = null;
    start = nl + 1;
    if (action !== undefined && action !== 'checkpoint') process.stdout.write(`\n{"action":"status","responseFor":"${action}"}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
