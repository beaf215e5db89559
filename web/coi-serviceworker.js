// coi-serviceworker.js -- cross-origin isolation for static hosts that cannot
// send headers (the approach of the well-known coi-serviceworker).  Installed
// by coi.js; every response it passes on gets the two headers that make the
// page cross-origin isolated (so SharedArrayBuffer and the runtime's workers
// are allowed):
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// plus Cross-Origin-Resource-Policy, so the page may still embed them.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (e) => {
  const r = e.request;
  // A request the worker may not replay (DevTools' cache probes).
  if (r.cache === 'only-if-cached' && r.mode !== 'same-origin') return;
  e.respondWith(fetch(r).then((res) => {
    if (res.status === 0) return res; // opaque: cannot be changed
    const headers = new Headers(res.headers);
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    if (!headers.has('Cross-Origin-Resource-Policy')) headers.set('Cross-Origin-Resource-Policy', 'same-origin');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }));
});
