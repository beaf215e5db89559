// coi-worker.js -- worker scripts on a page isolated by the service worker.
//
// The service worker (coi-serviceworker.js) can only control what lies in
// its folder (web/): a worker script from elsewhere (the package's
// js/dist/stackless.worker.js) is fetched without it, so without the COEP
// header, and Chromium refuses to start it in an isolated page
// (ERR_BLOCKED_BY_RESPONSE).  A worker made from a blob URL inherits the
// page's policy and service worker instead: fetch the script (through the
// service worker) and hand out a blob URL of it.
export function isolatedByServiceWorker() {
  return !!globalThis.navigator?.serviceWorker?.controller?.scriptURL?.endsWith('/coi-serviceworker.js');
}

export async function workerScriptURL(url, force = isolatedByServiceWorker()) {
  if (!force) return String(url);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return URL.createObjectURL(new Blob([await r.text()], { type: 'text/javascript' }));
}

// The options for the package's init(): its worker script, as above.
export async function initOptions() {
  if (!isolatedByServiceWorker()) return {};
  const u = new URL('../js/dist/stackless.worker.js', import.meta.url);
  return { workerURL: await workerScriptURL(u, true) };
}
