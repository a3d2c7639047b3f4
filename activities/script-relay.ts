// The first process of a sandbox with a network grant: it offers the worker's proxy socket on the
// sandbox's own loopback (where HTTP_PROXY points), then runs the script and exits as it did.
// Plain JavaScript run with `node -e`, so it needs no file and no build step.

/** Port of the relay on the sandbox's private loopback (nothing else listens there). */
export const RELAY_PORT = 3128;

/** Arguments after `node -e RELAY_SOURCE --`: the socket, then the command and its arguments. */
export const RELAY_SOURCE = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [socketPath, command, ...args] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.pipe(upstream).pipe(client);
});
server.listen(${RELAY_PORT}, '127.0.0.1', () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  child.on('error', (e) => { process.stderr.write('cannot start ' + command + ': ' + e.message + '\\n'); process.exit(127); });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (require('node:os').constants.signals[signal] ?? 9)));
});
`;
