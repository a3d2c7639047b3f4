// A TCP port that is free on loopback right now (the OS picks it).
export { freePort } from '../../src/services/temporal/loopback-ports.js';
