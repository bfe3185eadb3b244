import sharp from 'sharp';
const base = process.argv[2]; const T = 'pina_BENCHTOKEN000000000000000000000000';
const h = { authorization: `Bearer ${T}`, 'content-type': 'application/json' };
const images = await Promise.all(Array.from({ length: 20 }, (_, i) => sharp({ create: { width: 820, height: 820, channels: 3, noise: { type: 'gaussian', mean: 100 + i, sigma: 50 } } }).png({ compressionLevel: 1 }).toBuffer()));
const board = await (await fetch(`${base}/v5/boards`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'b' }) })).json();
const lat: number[] = []; let done = false;
const loop = (async () => { while (!done) { const t = performance.now(); await (await fetch(`${base}/v5/user_account`, { headers: h })).arrayBuffer(); lat.push(performance.now() - t); } })();
await Promise.all(images.map((b) => fetch(`${base}/v5/pins`, { method: 'POST', headers: h, body: JSON.stringify({ board_id: board.id, media_source: { source_type: 'image_base64', content_type: 'image/png', data: b.toString('base64') } }) }).then((r) => r.text())));
done = true; await loop; lat.sort((a, b) => a - b); console.log(lat.length, lat.slice(-5).map((x) => x.toFixed(0)));
