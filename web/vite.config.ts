// The web pages: the chat (web/index.html, served at `/`) and the operator dashboard
// (web/dashboard.html, served at `/dashboard`) with their modules, built into dist/web.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2020',
    reportCompressedSize: true,
    rollupOptions: { input: { chat: page('index.html'), dashboard: page('dashboard.html') } },
  },
});
