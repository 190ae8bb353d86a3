import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev` serves the portal with hot reload and sends /api to a running `make run`.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, proxy: { '/api': 'http://127.0.0.1:7071' } },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 800 },
})
