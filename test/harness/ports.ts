/** Free loopback ports for the stand-ins: the code is in src/local/ports.ts (kcl-ts dev uses it too). */
export { freePort, freePorts, isListening } from '../../src/local/ports.js';
