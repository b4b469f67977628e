// Preloaded (`node --require`) into stand-ins that bind every interface with no option
// to choose (kinesis-local hard-codes 0.0.0.0): a listen() without a host gets
// 127.0.0.1, so the stand-in is reachable from this machine only.
'use strict';
const net = require('node:net');
const original = net.Server.prototype.listen;
const HOST = process.env.LOOPBACK_LISTEN_HOST || '127.0.0.1';
net.Server.prototype.listen = function patchedListen(...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, HOST);
    else if (args[1] === '0.0.0.0' || args[1] === '::') args[1] = HOST;
  } else if (first && typeof first === 'object' && !Array.isArray(first) && first.path === undefined && first.fd === undefined && first._handle === undefined) {
    if (first.host === undefined || first.host === '0.0.0.0' || first.host === '::') args[0] = { ...first, host: HOST };
  }
  return original.apply(this, args);
};
