// npm run build: build the package's two modules (wasm/CMakeLists.txt,
// target slp_js) with Emscripten -- the threaded one in build/npm, the
// single-thread one (no SharedArrayBuffer) in build/npm-st -- and copy them
// into js/dist/.
//   node js/tools/build.mjs [--if-missing]
// --if-missing (npm pack's prepack): do nothing when js/dist is complete.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const builds = [
  { dir: `${root}build/npm`, flags: [], files: ['stackless.js', 'stackless.wasm', 'stackless.worker.js'] },
  { dir: `${root}build/npm-st`, flags: ['-DSLP_THREADS=OFF'], files: ['stackless-st.js', 'stackless-st.wasm'] },
];
const files = builds.flatMap((b) => b.files);

if (process.argv.includes('--if-missing') && files.every((f) => existsSync(dist + f))) process.exit(0);

// emcc needs acorn from Debian's node modules (TOOLCHAIN.md).
const env = { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
mkdirSync(dist, { recursive: true });
for (const b of builds) {
  run('emcmake', ['cmake', '-S', '.', '-B', b.dir, '-DBUILD_TESTING=OFF', ...b.flags]);
  run('cmake', ['--build', b.dir, '--target', 'slp_js', '-j2']);
  for (const f of b.files) copyFileSync(`${b.dir}/wasm/${f}`, dist + f);
}
// The glue is CommonJS: keep Node reading it as such under "type": "module".
writeFileSync(dist + 'package.json', '{ "type": "commonjs" }\n');
console.log(`stackless-wasm: built ${files.join(', ')} into js/dist/`);
