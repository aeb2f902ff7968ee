/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The build goes to dist/, which web/app.go embeds in the Go binary; it is
// committed, and CI rebuilds it and fails on any difference, so the build
// must be deterministic (content-hashed names, no timestamps).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      output: {
        // Libraries in their own file: an edit to the app changes only the
        // app's file, so the committed build grows by little per change.
        manualChunks(id: string) {
          return id.includes('node_modules') ? 'vendor' : undefined;
        },
      },
    },
  },
  server: {
    // `npm run dev` talks to a `switchboard serve` on :8080.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    // CI's two cores are shared: the first render of the component library
    // alone can take seconds there.
    testTimeout: 30_000,
  },
});
