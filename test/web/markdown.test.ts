/**
 * The one Markdown renderer, rendered to HTML as the browser would receive it: what it lets
 * through (links, images, raw HTML) on every surface, and what each surface shows.
 */
import { h } from 'preact'
import { render } from 'preact-render-to-string'
import t from 'tap'
import { Markdown, SURFACES, type SurfaceName } from '../../web/src/lib/markdown'
import { safeHref } from '../../web/src/lib/markdown-inline'

const SURFACE_NAMES = Object.keys(SURFACES) as SurfaceName[]

function html(text: string, surface: SurfaceName = 'page', myUsername?: string): string {
  return render(h(Markdown, { text, surface, myUsername }))
}

/** Every `<a …>` opening tag in the HTML. */
function anchors(markup: string): string[] {
  return markup.match(/<a\b[^>]*>/g) ?? []
}

t.test('links go only to http(s), mailto, tel and paths inside the app', async (t) => {
  const refused = [
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    '//evil.example/x',
    '/\\evil.example/x',
    'relative/path',
    'https://',
  ]
  for (const target of refused) {
    t.equal(safeHref(target), null, `${target} is not followed`)
    for (const surface of SURFACE_NAMES) {
      const markup = html(`[label](${target})`, surface)
      t.same(anchors(markup), [], `[label](${target}) makes no link on the ${surface} surface`)
      t.match(markup, /label/, `its label stays readable on the ${surface} surface`)
    }
  }

  const web = html('[mill](https://mill.example/orders) and [plain](http://mill.example/)', 'message')
  t.same(
    anchors(web),
    [
      '<a href="https://mill.example/orders" target="_blank" rel="noopener noreferrer">',
      '<a href="http://mill.example/" target="_blank" rel="noopener noreferrer">',
    ],
    'web links open in a new tab with no opener and no referrer',
  )
  t.same(
    anchors(html('[write](mailto:orders@mill.example) or [call](tel:+441234567890)', 'page')),
    ['<a href="mailto:orders@mill.example">', '<a href="tel:+441234567890">'],
    'mailto and tel links stay in place',
  )
  t.same(anchors(html('[rota](/pages/3)', 'message')), ['<a href="/pages/3">'], 'a path inside the app is a link')
  t.same(
    anchors(html('see https://mill.example/a. Or mailto:orders@mill.example', 'message')),
    [
      '<a href="https://mill.example/a" target="_blank" rel="noopener noreferrer">',
      '<a href="mailto:orders@mill.example">',
    ],
    'bare web and mail addresses become links, without the full stop after them',
  )
  t.same(
    anchors(html('[https://a.example](https://b.example)', 'message')),
    ['<a href="https://b.example/" target="_blank" rel="noopener noreferrer">'],
    'a link label is never a second link inside the first',
  )
  t.same(anchors(html('[mill](https://mill.example/orders)', 'wall')), [], 'nothing is clickable on the wall')
  t.match(html('[mill](https://mill.example/orders)', 'wall'), '<span class="md-link">mill</span>')
})

t.test('images load only from files stored in Backboard', async (t) => {
  const stored = html('![The oven](/api/files/12)', 'page')
  t.match(
    stored,
    '<img class="md-image" src="/api/files/12" alt="The oven" loading="lazy"/>',
    'a stored file shows, with its alt text',
  )
  t.match(html('![thumb](/api/files/12/thumbnail)', 'page'), 'src="/api/files/12/thumbnail"')
  for (const source of [
    'https://evil.example/pixel.png',
    '//evil.example/pixel.png',
    'data:image/png;base64,AAAA',
    'javascript:alert(1)',
    '/api/files/12?x=1',
    '/api/files/../setup',
  ]) {
    const markup = html(`![tracker](${source})`, 'page')
    t.notMatch(markup, /<img/, `${source} is not loaded`)
    t.match(markup, 'tracker', 'its alt text is shown instead')
  }
  t.notMatch(html('![The oven](/api/files/12)', 'message'), /<img/, 'chat messages show no inline images')
})

t.test('raw HTML is shown as text and never becomes markup', async (t) => {
  for (const surface of SURFACE_NAMES) {
    const markup = html(
      '<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n<a href="javascript:alert(3)">x</a>',
      surface,
    )
    t.notMatch(markup, /<script|<img|<a /i, `no element comes from the text on the ${surface} surface`)
    t.match(markup, '&lt;script>alert(1)&lt;/script>', `the script tag is shown as text on the ${surface} surface`)
    t.match(markup, '&lt;img src=x onerror=alert(2)>', `the img tag is shown as text on the ${surface} surface`)
  }
  const chat = html('<img src=x onerror=alert(1)> **bold** [x](javascript:alert(1))', 'message')
  t.match(chat, '<strong>bold</strong>', 'the Markdown around the HTML still renders')
  t.notMatch(chat, /href/, 'and the javascript: link is not one')
})

t.test('emphasis nests, and deep nesting stays bounded', async (t) => {
  t.match(html('**bold *and italic* text**', 'message'), '<strong>bold <em>and italic</em> text</strong>')
  t.match(html('*italic **and bold** text*', 'message'), '<em>italic <strong>and bold</strong> text</em>')
  t.match(html('***both***', 'message'), '<strong><em>both</em></strong>')
  t.match(html('~~gone~~ and `**code**`', 'message'), '<s>gone</s> and <code>**code**</code>')
  t.match(html('snake_case_name', 'message'), '<p>snake_case_name</p>', 'underscores inside words are not emphasis')
  t.match(
    html('**[bold link](https://a.example)**', 'message'),
    /<strong><a href="https:\/\/a.example\/"[^>]*>bold link<\/a><\/strong>/,
  )
  const deep = '**'.repeat(2000) + 'x' + '**'.repeat(2000)
  t.doesNotThrow(() => html(deep, 'message'), 'a pathological nesting renders without blowing the stack')
})

t.test('each surface shows what it allows', async (t) => {
  t.match(
    html('# Title\n## Section\n### Part', 'page'),
    '<h2 class="md-heading">Title</h2><h2 class="md-heading">Section</h2><h3 class="md-heading">Part</h3>',
    'under the page title, ## is an h2 and ### an h3',
  )
  t.match(
    html('## Section', 'wall'),
    '<h4 class="md-heading">Section</h4>',
    'wall pages sit under the wall’s own titles',
  )
  t.match(html('# not a heading', 'message'), '<p># not a heading</p>', 'chat has no headings')
  t.match(html('```\ncode\n```', 'message'), /<code>/, 'inline code still works in chat')
  t.notMatch(html('```\ncode\n```', 'message'), /<pre>/, 'but chat has no code blocks')
  t.match(html('```\n<b>code</b>\n```', 'page'), '<pre><code>&lt;b>code&lt;/b></code></pre>')
  t.match(
    html('@maria and @ana', 'message', 'ana'),
    '<span class="mention">@maria</span> and <span class="mention mention-me">@ana</span>',
  )
  t.notMatch(html('@maria', 'page'), /mention/, 'pages have no mentions')
  t.match(html('a\nb', 'message'), '<p>a<br/>b</p>', 'a line break stays a line break')
  t.match(
    html('Bring:\n- gloves\n- apron\n\n1. first\n2. second', 'message'),
    '<p>Bring:</p><ul><li>gloves</li><li>apron</li></ul><ol><li>first</li><li>second</li></ol>',
  )
  t.match(html('> quoted', 'notice'), '<blockquote><p>quoted</p></blockquote>')
  t.match(html('text', 'message'), /^<div class="md">/, 'chat and notices style .md')
  t.match(html('text', 'page'), /^<div class="markdown">/, 'pages style .markdown')
})

t.test('the wall shows a dash list as a list, not one run-on line', async (t) => {
  const markup = html('Before closing:\n- ovens off\n- lights off\n- alarm on', 'wall')
  t.equal(
    markup,
    '<div class="wall-md"><p>Before closing:</p><ul><li>ovens off</li><li>lights off</li><li>alarm on</li></ul></div>',
  )
  t.match(html('one\ntwo', 'wall'), '<p>one<br/>two</p>', 'and keeps line breaks')
})
