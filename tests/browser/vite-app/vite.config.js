// Built by tests/browser/vite.test.mjs into build/browser-tests/vite-dist.
export default {
  build: { target: 'es2022', emptyOutDir: true },
  logLevel: 'warn',
};
