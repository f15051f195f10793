// A tiny static file server for dist/, on loopback only.
//
// It serves the same files at "/" and under a sub-path (default "/gfpscope/sub/path/"),
// the way a plain static host or a GitHub Pages project page would, so the tests prove that
// the built site uses relative URLs only. Like such hosts, a directory URL without its
// trailing slash is redirected to the slashed one.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

export const SUB_PATH = '/gfpscope/sub/path/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.c': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Start serving `distDir` on 127.0.0.1 (port 0 = any free port).
 * Resolves to { rootUrl, subUrl, port, close() }.
 */
export async function startServer(distDir, { port = 0, subPath = SUB_PATH } = {}) {
  const root = normalize(distDir);
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (path === subPath.slice(0, -1)) return redirect(res, subPath);
      if (path.startsWith(subPath)) path = '/' + path.slice(subPath.length);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) return send(res, 403, 'forbidden');
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        if (!req.url.split('?')[0].endsWith('/')) return redirect(res, req.url.split('?')[0] + '/');
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info?.isFile()) return send(res, 404, 'not found');
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch (err) {
      send(res, 500, String(err));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actual = server.address().port;
  const rootUrl = `http://127.0.0.1:${actual}/`;
  return {
    port: actual,
    rootUrl,
    subUrl: `http://127.0.0.1:${actual}${subPath}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function redirect(res, location) {
  res.writeHead(301, { location });
  res.end();
}

// `node lib/server.mjs DIST [PORT]`: serve by hand, e.g. to look at a release build.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = process.argv[2] ?? 'dist';
  const s = await startServer(dist, { port: Number(process.argv[3] ?? 8081) });
  console.log(`serving ${dist} at ${s.rootUrl} and ${s.subUrl} (Ctrl-C stops)`);
}
