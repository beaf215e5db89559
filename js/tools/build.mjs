// npm run build: build the package's module (wasm/CMakeLists.txt, target
// slp_js) with Emscripten in build/npm and copy it into js/dist/.
//   node js/tools/build.mjs [--if-missing]
// --if-missing (npm pack's prepack): do nothing when js/dist is complete.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const out = `${root}build/npm`;
const files = ['stackless.js', 'stackless.wasm', 'stackless.worker.js'];

if (process.argv.includes('--if-missing') && files.every((f) => existsSync(dist + f))) process.exit(0);

// emcc needs acorn from Debian's node modules (TOOLCHAIN.md).
const env = { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
run('emcmake', ['cmake', '-S', '.', '-B', out, '-DBUILD_TESTING=OFF']);
run('cmake', ['--build', out, '--target', 'slp_js', '-j2']);
mkdirSync(dist, { recursive: true });
for (const f of files) copyFileSync(`${out}/wasm/${f}`, dist + f);
// The glue is CommonJS: keep Node reading it as such under "type": "module".
writeFileSync(dist + 'package.json', '{ "type": "commonjs" }\n');
console.log(`stackless-wasm: built ${files.join(', ')} into js/dist/`);
