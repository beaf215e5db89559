// coi.js -- a classic script that runs before the page's modules.  A page
// served without the isolation headers registers coi-serviceworker.js
// (which adds them) and reloads once, now isolated.  Opt out with ?coi=0.
// Sets globalThis.coiStatus for the page: 'isolated', 'reloading',
// 'registered', 'disabled', 'failed: ...' or 'unavailable'.
(function () {
  var KEY = 'coi-reloaded';
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(KEY);
    window.coiStatus = 'isolated';
    return;
  }
  if (/[?&]coi=0(&|$)/.test(location.search)) { window.coiStatus = 'disabled (?coi=0)'; return; }
  if (!('serviceWorker' in navigator) || !window.isSecureContext) {
    window.coiStatus = 'unavailable (needs a secure context: https or localhost)';
    return;
  }
  if (sessionStorage.getItem(KEY)) {
    // Reloaded once already and still not isolated: do not loop.
    window.coiStatus = 'installed, but the page is still not isolated';
    return;
  }
  window.coiStatus = 'reloading';
  var url = new URL('coi-serviceworker.js', document.currentScript.src);
  navigator.serviceWorker.register(url).then(function (reg) {
    var reload = function () { sessionStorage.setItem(KEY, '1'); location.reload(); };
    if (reg.active) { reload(); return; }
    var sw = reg.installing || reg.waiting;
    sw.addEventListener('statechange', function () { if (sw.state === 'activated') reload(); });
  }, function (e) {
    window.coiStatus = 'failed: ' + e.message;
    var s = document.getElementById('coi-state');
    if (s) s.textContent = window.coiStatus;
  });
})();
