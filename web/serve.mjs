#!/usr/bin/env node
// serve.mjs -- the demo's static server: `node web/serve.mjs` (npm run demo).
//
// Serves the demo and the package from the repository root, so the page
// (web/index.html) imports the package's own browser build (js/, what
// package.json ships), never a copy.  Nothing else: a path outside the
// allow-list (DEMO_PATHS: web/, the files package.json ships, the few
// files the page reads) or with a dot-segment (/.git/) is "not found".
// Every response carries the two headers that make a page cross-origin
// isolated, which SharedArrayBuffer and so Web Workers sharing the runtime's
// memory need:
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// `--no-isolation` leaves them out, as a plain static host would: the page
// then installs web/coi-serviceworker.js, which adds them, and reloads once.
//
// Before serving it builds what is missing: `npm run build` when one of the
// package's runtime files (its exports map) is absent.
//
//   node web/serve.mjs [--port N] [--host H] [--no-isolation] [--no-build]
//
// Also a module: startServer({ port, host, isolation, root, allow }) for the
// tests (allow: more paths, e.g. test fixtures; null serves all of root).
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { existsSync, createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.c': 'text/plain; charset=utf-8',
  '.h': 'text/plain; charset=utf-8',
  '.expected': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

// The files the package ships that a browser loads, from package.json's
// exports map (every string target), or the build's known outputs while
// package.json does not exist yet.
export function packageRuntimeFiles(root = REPO) {
  const files = new Set();
  const pj = join(root, 'package.json');
  if (existsSync(pj)) {
    const walk = (x) => {
      // Built files only: the types and package.json are not what a build makes.
      if (typeof x === 'string') {
        if (!x.includes('*') && !/\.d\.ts$|package\.json$/.test(x)) files.add(normalize(join(root, x)));
      }
      else if (x && typeof x === 'object') Object.values(x).forEach(walk);
    };
    walk(JSON.parse(readFileSync(pj, 'utf8')).exports);
  }
  return [...files];
}

// Run `npm run build` if a runtime file is missing.  Returns the missing
// files that remain (empty when all is there).
export function buildIfMissing(root = REPO, log = console.log) {
  let missing = packageRuntimeFiles(root).filter((f) => !existsSync(f));
  if (missing.length && existsSync(join(root, 'package.json'))) {
    log(`serve: ${missing.length} package file(s) missing (${rel(root, missing[0])}...): npm run build`);
    const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`serve: npm run build failed (exit ${r.status})`);
    missing = missing.filter((f) => !existsSync(f));
  }
  return missing;
}

// What the demo server may serve, as URL paths under the repository root:
// a string ending in "/" is a folder (everything below it), another string
// one file, a RegExp a pattern.  The package's files are added from
// package.json ("files", and package.json itself).
export const DEMO_PATHS = [
  '/web/',
  /^\/examples\/[a-z_]+\.expected$/, // the seed examples' expected output (the page compares)
  '/include/stackless.h',          // the page's footer links the manual
  '/build/bench/emscripten/', '/build/emscripten/bench/', '/build/bench/node.json', // the benchmark section
];

// The allow-list for root: DEMO_PATHS plus what package.json ships.
export function demoPaths(root = REPO) {
  const paths = [...DEMO_PATHS, '/package.json'];
  const pj = join(root, 'package.json');
  if (existsSync(pj)) {
    for (const f of JSON.parse(readFileSync(pj, 'utf8')).files ?? []) {
      const p = '/' + f.replace(/^\.?\//, '');
      if (p.includes('*')) {
        // npm's globs, as far as a "files" list uses them: * within a name, ** across folders.
        const re = p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*')
          .replace(/\0/g, '.*');
        paths.push(new RegExp(`^${re}(/.*)?$`));
      } else {
        paths.push(p, p.endsWith('/') ? p : p + '/');
      }
    }
  }
  return paths;
}

// Whether path (decoded, "/"-separated) may be served under allow.
export function isAllowed(path, allow) {
  if (path.split('/').some((seg) => seg.startsWith('.'))) return false; // /.git/, /web/../x
  if (allow === null) return true;
  return allow.some((a) => (a instanceof RegExp ? a.test(path)
    : a.endsWith('/') ? path.startsWith(a) || path + '/' === a : path === a));
}

function rel(root, f) { return f.startsWith(root + sep) ? f.slice(root.length + 1) : f; }

export function isolationHeaders() {
  return {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  };
}

// A static server over root.  Resolves once it listens.
// home: where / redirects (the demo page; null serves root's index.html).
// allow: the paths served (isAllowed); default: the demo and the package
// when root is the repository, everything under any other root.
export function startServer({ port = 8080, host = '127.0.0.1', isolation = true, root = REPO,
                              home = '/web/', log = () => {},
                              allow = resolve(root) === REPO ? demoPaths(root) : null } = {}) {
  const server = createServer(async (req, res) => {
    const headers = {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // Same-origin files may be embedded by the isolated page itself.
      'Cross-Origin-Resource-Policy': 'same-origin',
      ...(isolation ? isolationHeaders() : {}),
    };
    let url;
    try { url = new URL(req.url, 'http://x'); } catch { res.writeHead(400).end(); return; }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/web/optional.json') {
      // Which optional files exist (the benchmark build, the Node figures),
      // so that the page need not probe for them and log 404s.  A plain
      // static host has no such file: the page probes there.
      const rels = ['build/bench/emscripten/', 'build/emscripten/bench/'];
      const body = JSON.stringify({
        benchDirs: rels.filter((d) => existsSync(join(root, d, 'slp_bench.wasm'))).map((d) => '/' + d),
        nodeFigures: existsSync(join(root, 'build/bench/node.json')) ? '/build/bench/node.json' : null,
      });
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' }).end(body);
      return;
    }
    if (home && (url.pathname === '/' || url.pathname === '/index.html')) {
      res.writeHead(302, { ...headers, Location: home + url.search }).end();
      return;
    }
    let path;
    try { path = decodeURIComponent(url.pathname); } catch { res.writeHead(400).end(); return; }
    if (!isAllowed(path, allow)) {
      log(`404 ${path} (not the demo's or the package's)`);
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
        .end(`not found: ${path}\n`);
      return;
    }
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) { res.writeHead(403, headers).end(); return; }
    let target = file, st;
    try {
      st = await stat(target);
      if (st.isDirectory()) {
        if (!path.endsWith('/')) {
          res.writeHead(301, { ...headers, Location: url.pathname + '/' + url.search }).end();
          return;
        }
        target = join(target, 'index.html');
        st = await stat(target);
      }
    } catch {
      log(`404 ${path}`);
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
        .end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': MIME[extname(target).toLowerCase()] || 'application/octet-stream',
      'Content-Length': st.size,
    });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(target).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const a = server.address();
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      const base = `http://${h}:${a.port}`;
      ok({ server, base, url: `${base}${home ?? '/'}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

function parseArgs(argv) {
  const o = { port: 8080, host: '127.0.0.1', isolation: true, build: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') o.port = Number(argv[++i]);
    else if (a.startsWith('--port=')) o.port = Number(a.slice(7));
    else if (a === '--host') o.host = argv[++i];
    else if (a.startsWith('--host=')) o.host = a.slice(7);
    else if (a === '--no-isolation') o.isolation = false;
    else if (a === '--no-build') o.build = false;
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node web/serve.mjs [--port N] [--host H] [--no-isolation] [--no-build] [-v]\n' +
        '  --no-isolation  leave out COOP/COEP (as a plain static host does): the page\n' +
        '                  then uses its service worker (web/coi-serviceworker.js)');
      process.exit(0);
    } else { console.error(`serve: unknown argument ${a}`); process.exit(2); }
  }
  if (process.env.PORT && !argv.some((a) => a.startsWith('--port'))) o.port = Number(process.env.PORT);
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const o = parseArgs(process.argv.slice(2));
  if (o.build) {
    const missing = buildIfMissing(REPO);
    if (missing.length) console.warn(`serve: still missing after the build: ${missing.map((f) => rel(REPO, f)).join(', ')}`);
  }
  const s = await startServer({ ...o, log: o.verbose ? console.log : () => {} });
  console.log(`stackless-wasm demo: ${s.url}`);
  console.log(o.isolation
    ? '  (served with Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)'
    : '  (served WITHOUT the isolation headers: the page installs its service worker and reloads once)');
  console.log('  benchmark: ' + s.url + '#bench    stop: Ctrl+C');
}
