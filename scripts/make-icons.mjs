// Draws Backboard's icon as SVG and rasterises it with headless Chromium into the PNG
// sizes a PWA needs. Run after changing the drawing: node scripts/make-icons.mjs
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'web', 'public', 'icons')
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

const GREEN = '#1d6b5a'
const PAPER = '#fdf8ea'
const INK = '#9fb8b0'
const PIN = '#e8a33a'

/** A note pinned to a board, drawn on a 512 grid and scaled by `scale` about the centre. */
function artwork(scale) {
  return `<g transform="translate(256 256) scale(${scale}) translate(-256 -256)">
    <g transform="rotate(-5 256 270)">
      <rect x="132" y="150" width="248" height="250" rx="22" fill="#0f3f34" opacity="0.35" transform="translate(8 12)"/>
      <rect x="132" y="150" width="248" height="250" rx="22" fill="${PAPER}"/>
      <rect x="170" y="232" width="172" height="22" rx="11" fill="${INK}"/>
      <rect x="170" y="280" width="136" height="22" rx="11" fill="${INK}"/>
      <rect x="170" y="328" width="156" height="22" rx="11" fill="${INK}"/>
    </g>
    <circle cx="252" cy="160" r="40" fill="#0f3f34" opacity="0.3" transform="translate(4 8)"/>
    <circle cx="252" cy="160" r="40" fill="${PIN}"/>
    <circle cx="238" cy="146" r="12" fill="#ffffff" opacity="0.55"/>
  </g>`
}

const svg = (body) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">${body}</svg>\n`

/** Rounded tile with transparent corners: the ordinary icon and favicon. */
const iconSvg = svg(`<rect width="512" height="512" rx="112" fill="${GREEN}"/>${artwork(1)}`)
/** Full-bleed tile with the drawing inside the maskable safe zone (the centre 80 % circle). */
const maskableSvg = svg(`<rect width="512" height="512" fill="${GREEN}"/>${artwork(0.78)}`)
/** iOS rounds the corners itself and shows transparency as black: full bleed, no alpha. */
// Android draws a notification badge from its alpha channel alone: a white silhouette.
const badgeSvg = svg(
  `<g transform="rotate(-5 256 270)"><rect x="112" y="130" width="288" height="290" rx="26" fill="#fff"/>
  <rect x="160" y="232" width="192" height="26" rx="13" fill="#000"/><rect x="160" y="290" width="150" height="26" rx="13" fill="#000"/>
  <rect x="160" y="348" width="172" height="26" rx="13" fill="#000"/></g>`.replace(
    /fill="#000"/g,
    'fill="#fff" fill-opacity="0"',
  ),
)
const appleSvg = svg(`<rect width="512" height="512" fill="${GREEN}"/>${artwork(0.9)}`)

const outputs = [
  { file: 'icon-192.png', svg: iconSvg, size: 192 },
  { file: 'icon-512.png', svg: iconSvg, size: 512 },
  { file: 'maskable-192.png', svg: maskableSvg, size: 192 },
  { file: 'maskable-512.png', svg: maskableSvg, size: 512 },
  { file: 'apple-touch-icon.png', svg: appleSvg, size: 180 },
  { file: 'badge-72.png', svg: badgeSvg, size: 72 },
]

fs.mkdirSync(out, { recursive: true })
fs.writeFileSync(path.join(out, 'icon.svg'), iconSvg)
fs.writeFileSync(path.join(out, 'maskable.svg'), maskableSvg)

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
})
try {
  const page = await browser.newPage()
  for (const { file, svg: source, size } of outputs) {
    await page.setViewportSize({ width: size, height: size })
    const src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(source)
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}" style="display:block"></body></html>`,
    )
    await page.waitForFunction(() => globalThis.document.images[0]?.complete)
    await page.screenshot({
      path: path.join(out, file),
      omitBackground: true,
      clip: { x: 0, y: 0, width: size, height: size },
    })
    console.log(`wrote web/public/icons/${file}`)
  }
} finally {
  await browser.close()
}
