import { defineConfig } from 'vite';

// The dashboard: built into dist/ui, served by fuota under /ui/ (see
// src/adapters/inbound/http/ui-assets.ts). Everything is bundled: the page asks no other host.
export default defineConfig({
  root: import.meta.dirname,
  base: '/ui/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    // The report of each file's size, gzipped too, is the build's bundle-size report.
    reportCompressedSize: true,
    // Inline nothing: the Content-Security-Policy allows scripts and assets from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
