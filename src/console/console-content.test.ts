// pinbox test: the SQLite pass only (the console is the same page over either store, and what it calls is tested on both by the families' and the control plane's own tests; console-processes.test.ts counts processes on PostgreSQL).
/**
 * The console's overview additions and its Content view, in a real browser: the
 * processes sharing the store and the rate limits' mode and counts; the users, a
 * user's board grid of cover images, a board's sections and Pins decoded at the
 * sizes the API serves, a Pin's page with its sizes and analytics chart (the
 * PROCESSING days shaded), a video upload processed by advancing the clock from
 * the console, and the video Pin playing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createBoard, newUser, unique, useServer, type Client } from '../../test/harness.js';
import { imageHost, makeImage } from '../../test/images.js';
import { makeVideo, uploadFile } from '../../test/videos.js';
import { assertAccessible, keepScreenshot, signedIn, useBrowser } from '../../test/console.js';

const PROCESSING_MS = 30_000;
const server = useServer({ videoUploads: { processingMs: PROCESSING_MS } });
const browser = useBrowser();

interface ImageSize {
  width: number;
  height: number;
  url: string;
}

let owner: { username: string; client: Client };
let board: { id: string; name: string };
let section: { id: string; name: string };
const pins: { id: string; title: string; media: { images: Record<string, ImageSize> }; dominant_color: string; board_section_id?: string | null }[] = [];

async function hostedPng(width: number, height: number, color: string): Promise<string> {
  return imageHost.serve(`/${unique('console')}.png`, await makeImage({ width, height, color, format: 'png' }), 'image/png');
}

/** The user, board, section and Pins the tests look at, made once through the API (by the first test that needs them). */
let made: Promise<void> | null = null;
function content(): Promise<void> {
  made ??= makeContent();
  return made;
}

async function makeContent(): Promise<void> {
  const user = await newUser(server());
  owner = user;
  board = await createBoard(user.client, { description: 'Made by the console test' });
  const sectioned = await user.client.post(`/boards/${board.id}/sections`, { name: 'Kitchens' });
  assert.equal(sectioned.status, 201, JSON.stringify(sectioned.body));
  section = sectioned.body;
  const shapes: [number, number, string, string | null][] = [
    [1400, 2100, '#cc3344', null],
    [800, 600, '#3366cc', section.id],
    [700, 1000, '#22aa44', null],
  ];
  for (const [width, height, color, sectionId] of shapes) {
    const response = await user.client.post('/pins', {
      board_id: board.id,
      ...(sectionId ? { board_section_id: sectionId } : {}),
      title: unique('pin'),
      description: `A ${width}x${height} picture`,
      link: 'https://example.com/recipe',
      media_source: { source_type: 'image_url', url: await hostedPng(width, height, color) },
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    pins.push(response.body);
  }
}

/** Waits until every `<img>` matching `selector` has loaded (or failed), then returns each one's size and data. */
async function imagesIn(page: Page, selector: string): Promise<{ size: string | null; pin: string | null; complete: boolean; naturalWidth: number; naturalHeight: number }[]> {
  await page.waitForFunction((s) => {
    const images = [...document.querySelectorAll<HTMLImageElement>(s)];
    return images.length > 0 && images.every((image) => image.complete);
  }, selector);
  return page.$$eval(selector, (images) =>
    (images as HTMLImageElement[]).map((image) => ({ size: image.dataset.size ?? null, pin: image.dataset.pin ?? null, complete: image.complete, naturalWidth: image.naturalWidth, naturalHeight: image.naturalHeight })),
  );
}

test('overview: the processes sharing the store, the rate limits mode and the calls per category', async () => {
  await content();
  const { pinbox, api } = server();
  assert.equal((await api.get('/user_account')).status, 200);
  const instance = (await (await fetch(`${pinbox.url}/_pinbox/instance`, { headers: { 'x-pinbox-admin-key': pinbox.adminKey } })).json()) as {
    processes: { count: number | null; source: string };
    rate_limits: { mode: string; journal: { calls: number; limited: number; categories: { category: string; calls: number }[] } };
  };
  if (process.env.PINBOX_TEST_BACKEND === 'postgres') {
    assert.equal(instance.processes.source, 'pg_stat_activity');
    assert.equal(instance.processes.count, 1, 'this test server is the only process of its schema');
  } else {
    assert.deepEqual(instance.processes, { count: 1, source: 'sqlite' });
  }
  assert.equal(instance.rate_limits.mode, pinbox.rateLimits.policy.mode);
  assert.ok(instance.rate_limits.journal.calls >= 1);
  assert.ok(instance.rate_limits.journal.categories.some((c) => c.calls >= 1 && c.category !== 'none'), JSON.stringify(instance.rate_limits));

  const { context, page } = await signedIn(browser(), pinbox, '#/overview');
  await page.waitForSelector('#instance-processes');
  const processes = (await page.textContent('#instance-processes')) ?? '';
  if (process.env.PINBOX_TEST_BACKEND === 'postgres') assert.match(processes, /^1 process shares this PostgreSQL schema/);
  else assert.match(processes, /one process/);
  assert.equal(await page.textContent('#rate-limit-mode'), pinbox.rateLimits.policy.mode);
  assert.ok(Number(await page.textContent('#rate-limit-calls')) >= 1);
  assert.ok((await page.$$('#rate-limit-categories tbody tr')).length >= 1);
  await assertAccessible(page, 'overview');
  await keepScreenshot(page, 'overview');
  await context.close();
});

test('advancing the clock in the console moves a video upload to succeeded; the video Pin plays on its page', async () => {
  await content();
  const { pinbox } = server();
  const { client } = owner;
  pinbox.clock.freeze();
  try {
    const registered = await client.post('/media', { media_type: 'video' });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const video = await makeVideo({ segments: [{ color: 'red', seconds: 2 }, { color: 'blue', seconds: 2 }], width: 320, height: 240 });
    const upload = await uploadFile(registered.body.upload_url, registered.body.upload_parameters, video);
    assert.equal(upload.status, 204, upload.text);
    const mediaId = registered.body.media_id as string;
    assert.equal((await client.get(`/media/${mediaId}`)).body.status, 'processing');

    const { context, page } = await signedIn(browser(), pinbox, '#/overview');
    await page.waitForSelector('#clock-state:text("frozen")');
    const before = pinbox.control.clockState().now;
    await page.fill('#clock-by', `${PROCESSING_MS / 1000}s`);
    await page.click('#clock-advance');
    await page.waitForFunction((was) => !document.querySelector('#clock-now')?.textContent?.includes(was), new Date(before).toISOString().slice(11, 19));
    assert.equal(pinbox.control.clockState().now - before, PROCESSING_MS);
    assert.equal((await client.get(`/media/${mediaId}`)).body.status, 'succeeded');

    // The video Pin, its cover a frame of the video, plays on its page.
    const created = await client.post('/pins', { board_id: board.id, title: 'A red and blue film', media_source: { source_type: 'video_id', media_id: mediaId, cover_image_key_frame_time: 1 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.goto(`${pinbox.url}/console/#/content/${owner.username}/pins/${created.body.id}`);
    await page.waitForSelector('#pin-video');
    assert.equal(await page.getAttribute('#pin-video', 'src'), created.body.media.video_url);
    assert.equal(await page.getAttribute('#pin-video', 'poster'), created.body.media.cover_image_url);
    await page.waitForFunction(() => {
      const element = document.querySelector<HTMLVideoElement>('#pin-video');
      return !!element && (element.readyState >= 1 || !!element.error);
    });
    const played = await page.$eval('#pin-video', (element) => {
      const v = element as HTMLVideoElement;
      return { readyState: v.readyState, duration: v.duration, error: v.error?.code ?? null, videoWidth: v.videoWidth };
    });
    assert.equal(played.error, null, `the video loads: ${JSON.stringify(played)}`);
    assert.ok(played.readyState >= 1 && played.duration > 3.5 && played.duration < 4.5, JSON.stringify(played));
    assert.equal(played.videoWidth, 320);
    await assertAccessible(page, 'content video pin');
    await keepScreenshot(page, 'content-video-pin');
    await context.close();
  } finally {
    pinbox.clock.unfreeze();
  }
});

test('content: the users, then a user board grid of its real cover images, by keyboard', async () => {
  await content();
  const { pinbox } = server();
  const { context, page } = await signedIn(browser(), pinbox, '#/content');
  await page.waitForSelector(`#user-${owner.username}`);
  const cells = await page.$$eval(`#content-users tr:has(#user-${owner.username}) > *`, (cells) => cells.map((cell) => cell.textContent?.trim()));
  const counted = await owner.client.get('/boards');
  assert.equal(counted.body.items.length, 1);
  assert.deepEqual([cells[0], cells[2]], [owner.username, '1'], JSON.stringify(cells));
  assert.ok(Number(cells[3]) >= pins.length, JSON.stringify(cells));
  await assertAccessible(page, 'content users');
  await keepScreenshot(page, 'content-users');

  await page.focus(`#user-${owner.username}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#board-${board.id}`);
  assert.match((await page.textContent('main h1')) ?? '', new RegExp(owner.username));
  const covers = await imagesIn(page, `#board-${board.id} img`);
  assert.ok(covers.length >= 1, 'the board shows its cover');
  for (const cover of covers) assert.ok(cover.naturalWidth > 0, `a cover image decoded: ${JSON.stringify(cover)}`);
  const read = await owner.client.get(`/boards/${board.id}`);
  assert.equal(await page.getAttribute(`#board-${board.id} img.board-cover-main`, 'src'), read.body.media.image_cover_url);
  await assertAccessible(page, 'content boards');
  await context.close();
});

test('content: a board shows its sections and the Pins the test made, each image decoded at the size the API serves', async () => {
  await content();
  const { pinbox } = server();
  const { context, page } = await signedIn(browser(), pinbox, `#/content/${owner.username}`);
  await page.waitForSelector(`#board-${board.id} a`);
  await page.click(`#board-${board.id} a`);
  await page.waitForSelector('#board-pins');
  assert.equal(await page.textContent('main h1'), board.name);
  assert.equal(await page.textContent(`#section-${section.id}`), 'Kitchens');
  // The section's Pin is under its heading, the others under the board's.
  const sectioned = pins.filter((pin) => pin.board_section_id === section.id);
  assert.equal(sectioned.length, 1);
  assert.ok(await page.$(`section:has(#section-${section.id}) #pin-${sectioned[0].id}`), 'the section shows its Pin');
  const images = await imagesIn(page, 'img[data-pin]');
  const shown = new Set(images.map((image) => image.pin));
  for (const pin of pins) assert.ok(shown.has(pin.id), `Pin ${pin.id} is on the board`);
  for (const image of images) {
    const pin = pins.find((p) => p.id === image.pin);
    if (!pin) continue; // the video Pin of the test before
    const served = pin.media.images[image.size!];
    assert.ok(served, `the size ${image.size} is one the API serves`);
    assert.equal(image.complete, true);
    assert.equal(image.naturalWidth, served.width, `Pin ${pin.id} at ${image.size}: decoded ${image.naturalWidth}×${image.naturalHeight}, the API says ${served.width}×${served.height}`);
    assert.equal(image.naturalHeight, served.height);
  }
  await assertAccessible(page, 'content board');
  await keepScreenshot(page, 'content-board');
  await context.close();
});

test('content: a Pin page shows every size with its width×height, its colour and link, and its analytics chart with the PROCESSING days shaded', async () => {
  await content();
  const { pinbox } = server();
  const pin = pins[0];
  // Four days on, the Pin's first days are READY and the last two still PROCESSING.
  pinbox.clock.advance('4d');
  const { context, page } = await signedIn(browser(), pinbox, `#/content/${owner.username}/boards/${board.id}`);
  await page.click(`#pin-${pin.id} a`);
  await page.waitForSelector('#pin-sizes');
  assert.equal(await page.textContent('main h1'), pin.title);
  const rows = await page.$$eval('#pin-sizes tbody tr', (trs) => trs.map((tr) => ({ size: tr.getAttribute('data-size'), dims: tr.querySelector('.pin-size-dims')?.textContent })));
  assert.deepEqual(
    rows,
    Object.entries(pin.media.images).map(([size, image]) => ({ size, dims: `${image.width}×${image.height}` })),
  );
  const decoded = await imagesIn(page, 'img.pin-size-image');
  for (const image of decoded) assert.equal(image.naturalWidth, pin.media.images[image.size!].width, `${image.size} decoded at its width`);
  assert.match((await page.textContent('#pin-color')) ?? '', new RegExp(pin.dominant_color, 'i'));
  assert.equal(await page.getAttribute('#pin-link a', 'href'), 'https://example.com/recipe');
  // The chart: uPlot drew it, and the days the API reports as PROCESSING are named as shaded.
  await page.waitForSelector('#pin-chart canvas');
  const { now } = pinbox.control.clockState();
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const analytics = await owner.client.get(`/pins/${pin.id}/analytics`, {
    query: { start_date: day(now - 29 * 86_400_000), end_date: day(now), metric_types: 'IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK' },
  });
  assert.equal(analytics.status, 200, JSON.stringify(analytics.body));
  const processing = (analytics.body.all.daily_metrics as { date: string; data_status: string }[]).filter((row) => row.data_status === 'PROCESSING').map((row) => row.date);
  assert.ok(processing.length >= 1, 'the last days are still PROCESSING');
  assert.match((await page.textContent('#pin-processing')) ?? '', new RegExp(processing.join(', ')));
  assert.equal((await page.$$('#pin-chart details tbody tr')).length, 30, 'the numbers table holds the 30 days');
  const ready = (analytics.body.all.daily_metrics as { data_status: string }[]).filter((row) => row.data_status === 'READY').length;
  assert.equal(ready, 3, 'the day the Pin was made and the two after are READY');
  const figures = await page.$$eval('#pin-chart details tbody tr', (trs) => trs.filter((tr) => [...tr.querySelectorAll('td')].slice(1).some((td) => td.textContent !== '—')).length);
  assert.equal(figures, ready, 'the chart has figures on the READY days only');
  await assertAccessible(page, 'content pin');
  await keepScreenshot(page, 'content-pin');
  // Back to the board by the breadcrumb.
  await page.click(`nav.crumbs a:text("${board.name}")`);
  await page.waitForSelector('#board-pins');
  await context.close();
});
