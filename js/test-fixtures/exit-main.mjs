// Node: main code is done while a worker sits blocked for ever (and one
// waits for a partner that never comes).  The process must exit.
import { init, startThread, channel } from '../index.js';

await init();
const ch = channel(), ready = channel();
await startThread(new URL('./threads.mjs', import.meta.url), 'blockForever', ch, ready);
await ready.receive();
console.log('main done');
