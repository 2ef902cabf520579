/**
 * The wall itself: urgent notices across the top, pinned notices (with info pages taking
 * turns), the latest on the board, who is on shift, a large clock and the join QR code,
 * and on a display set to show them, the open tasks and who is on what.
 * Laid out for a screen read from three metres; wall.css sizes everything from the
 * viewport, and regions page by themselves when their content does not fit.
 */
import type { VNode } from 'preact'
import { useMemo } from 'preact/hooks'
import type { AttachmentView } from '../../../../server/realtime/events'
import type { DirectoryEntry, MessageView, PageView, WallFeed } from '../../lib/api-wall'
import { isShowableTime, NO_TIME } from '../../lib/format'
import { locale, t } from '../../lib/i18n'
import { Markdown, markdownBlocks } from '../../lib/markdown'
import { Avatar } from '../../ui/avatar'
import { QrImage } from '../../ui/qr-image'
import { knownZone, shopTimeOf, WallClock } from './wall-clock'
import { PageDots, Pager, Region, useRotation, useTick, type Rotation } from './wall-pager'
import { WallTasksPanel } from './wall-tasks'

function photosOf(message: MessageView): AttachmentView[] {
  return message.attachments.filter((attachment) => attachment.kind === 'image' && attachment.url)
}

function thumbnailOf(attachment: AttachmentView): string {
  return attachment.thumbnailUrl ?? attachment.url ?? ''
}

function newestId(messages: readonly MessageView[]): number {
  return messages.reduce((max, message) => Math.max(max, message.id), 0)
}

const dayFormats = new Map<
  string,
  { day: Intl.DateTimeFormat; weekday: Intl.DateTimeFormat; short: Intl.DateTimeFormat }
>()

function dayFormatsOf(timeZone: string) {
  let formats = dayFormats.get(timeZone)
  if (!formats) {
    const zone = knownZone(timeZone)
    formats = {
      day: new Intl.DateTimeFormat('en-CA', { timeZone: zone }),
      weekday: new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: zone }),
      short: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: zone }),
    }
    // One shop, one timezone: the map stays tiny, but never let it grow without bound.
    if (dayFormats.size > 8) dayFormats.clear()
    dayFormats.set(timeZone, formats)
  }
  return formats
}

/** "09:12" today, "Mon 09:12" this week, "3 Nov" before. */
function whenPosted(ms: number, timeZone: string, now: number): string {
  if (!isShowableTime(ms)) return NO_TIME
  const formats = dayFormatsOf(timeZone)
  if (formats.day.format(ms) === formats.day.format(now)) return shopTimeOf(ms, timeZone)
  if (now - ms < 6 * 86_400_000) return `${formats.weekday.format(ms)} ${shopTimeOf(ms, timeZone)}`
  return formats.short.format(ms)
}

function AckProgress({ count, total }: { count: number; total: number }) {
  if (total <= 0) return null
  const percent = Math.round((Math.min(count, total) / total) * 100)
  return (
    <div class="wall-ack">
      <span class="wall-ack-text">{t('wall.ackProgress', { count, total })}</span>
      <span class="wall-ack-bar" aria-hidden="true">
        <span class="wall-ack-fill" style={{ width: `${percent}%` }} />
      </span>
    </div>
  )
}

function UrgentBanner({ notices, tick }: { notices: MessageView[]; tick: number }) {
  const rotation = useRotation(tick, notices.length, newestId(notices))
  const notice = notices[rotation.slide] ?? notices[0]
  if (!notice?.notice) return null
  const photo = photosOf(notice)[0]
  return (
    <section class="wall-urgent" role="alert" aria-label={t('wall.urgentLabel')} data-testid="wall-urgent">
      <span class="wall-urgent-tag">{t('wall.urgent')}</span>
      {photo ? <img class="wall-urgent-img" src={thumbnailOf(photo)} alt={photo.name} /> : null}
      <div class="wall-urgent-main">
        <p class="wall-urgent-title">{notice.notice.title}</p>
        {notice.body ? <Markdown text={notice.body} surface="wall" class="wall-urgent-body" /> : null}
      </div>
      <div class="wall-urgent-side">
        <AckProgress count={notice.notice.ackCount} total={notice.notice.ackTotal} />
        {notices.length > 1 ? <PageDots page={rotation.slide} count={notices.length} /> : null}
      </div>
    </section>
  )
}

function NoticeCard({ message, timeZone, now }: { message: MessageView; timeZone: string; now: number }) {
  const notice = message.notice
  const photos = photosOf(message)
  const first = photos[0]
  return (
    <article class={photos.length ? 'wall-notice wall-notice-photo' : 'wall-notice'} data-testid="wall-notice">
      <div class="wall-notice-text">
        <h3 class="wall-notice-title">{notice?.title ?? ''}</h3>
        {message.body ? <Markdown text={message.body} surface="wall" class="wall-notice-body" /> : null}
        <p class="wall-meta">
          {message.author?.displayName ?? t('wall.someone')} · {whenPosted(message.createdAt, timeZone, now)}
        </p>
        {notice ? <AckProgress count={notice.ackCount} total={notice.ackTotal} /> : null}
      </div>
      {first ? (
        <div class="wall-notice-media">
          <img class="wall-notice-img" src={thumbnailOf(first)} alt={first.name} />
          {photos.length > 1 ? <span class="wall-more-photos">+{photos.length - 1}</span> : null}
        </div>
      ) : null}
    </article>
  )
}

function BoardMessage({ message, timeZone, now }: { message: MessageView; timeZone: string; now: number }) {
  const photos = photosOf(message)
  return (
    <article class="wall-message" data-testid="wall-message">
      <p class="wall-meta">
        <strong>{message.author?.displayName ?? t('wall.someone')}</strong> ·{' '}
        {whenPosted(message.createdAt, timeZone, now)}
      </p>
      {message.notice ? <p class="wall-message-title">{message.notice.title}</p> : null}
      {message.body ? <Markdown text={message.body} surface="wall" class="wall-message-body" /> : null}
      {photos.length ? (
        <div class="wall-thumbs">
          {photos.slice(0, 3).map((photo) => (
            <img key={photo.id} class="wall-thumb" src={thumbnailOf(photo)} alt={photo.name} />
          ))}
        </div>
      ) : null}
    </article>
  )
}

function OnShiftPerson({ person }: { person: DirectoryEntry }) {
  return (
    <div class="wall-person" data-testid="wall-person">
      <span class="wall-avatar">
        {person.avatarUrl ? <img src={person.avatarUrl} alt="" /> : <Avatar name={person.displayName} />}
      </span>
      <span class="wall-person-text">
        <span class="wall-person-name">{person.displayName}</span>
        {person.jobTitle ? <span class="wall-person-job">{person.jobTitle}</span> : null}
      </span>
    </div>
  )
}

function InfoPage({ page, rotation }: { page: PageView; rotation: Rotation }) {
  const items = useMemo(
    () => [
      <h3 key="title" class="wall-info-title">
        {page.title}
      </h3>,
      ...markdownBlocks(page.body, { surface: 'wall' }),
    ],
    [page.title, page.body],
  )
  return <Pager items={items} page={rotation.page} onCount={rotation.onCount} class="wall-info" />
}

function MainRegion({
  notices,
  pages,
  tick,
  timeZone,
  now,
}: {
  notices: MessageView[]
  pages: PageView[]
  tick: number
  timeZone: string
  now: number
}) {
  const slides = (notices.length || !pages.length ? 1 : 0) + pages.length
  const rotation = useRotation(tick, slides, newestId(notices))
  const hasNoticeSlide = notices.length > 0 || pages.length === 0
  const pageIndex = rotation.slide - (hasNoticeSlide ? 1 : 0)
  const page = pageIndex >= 0 ? pages[pageIndex] : undefined
  const items = useMemo(
    () => notices.map((message) => <NoticeCard key={message.id} message={message} timeZone={timeZone} now={now} />),
    [notices, timeZone, now],
  )
  if (page) {
    return (
      <Region
        title={page.section || t('wall.infoTitle')}
        class="wall-main wall-main-info"
        dots={<PageDots page={rotation.page} count={rotation.pageCount} />}
      >
        <InfoPage key={page.id} page={page} rotation={rotation} />
      </Region>
    )
  }
  return (
    <Region
      title={t('wall.noticesTitle')}
      class="wall-main"
      dots={<PageDots page={rotation.page} count={rotation.pageCount} />}
    >
      {notices.length ? (
        <Pager key="notices" items={items} page={rotation.page} onCount={rotation.onCount} class="wall-notices" />
      ) : (
        <p class="wall-empty">{t('wall.noNotices')}</p>
      )}
    </Region>
  )
}

function ListRegion({
  title,
  class: className,
  items,
  empty,
  tick,
  resetKey,
}: {
  title: string
  class: string
  items: VNode[]
  empty: string
  tick: number
  resetKey: number
}) {
  const rotation = useRotation(tick, 1, resetKey)
  return (
    <Region title={title} class={className} dots={<PageDots page={rotation.page} count={rotation.pageCount} />}>
      {items.length ? (
        <Pager items={items} page={rotation.page} onCount={rotation.onCount} />
      ) : (
        <p class="wall-empty">{empty}</p>
      )}
    </Region>
  )
}

export function WallScreen({ feed, offlineSince }: { feed: WallFeed; offlineSince: number | null }) {
  const tick = useTick()
  const timeZone = feed.shop.timezone
  const now = feed.generatedAt
  const urgent = feed.notices.filter((message) => message.notice?.isUrgent)
  const pinned = feed.notices.filter((message) => !message.notice?.isUrgent)
  const recent = useMemo(
    () =>
      feed.recent.map((message) => <BoardMessage key={message.id} message={message} timeZone={timeZone} now={now} />),
    [feed.recent, timeZone, now],
  )
  const people = useMemo(
    () => feed.onShift.map((person) => <OnShiftPerson key={person.id} person={person} />),
    [feed.onShift],
  )
  const peopleKey = feed.onShift.reduce((sum, person) => sum + person.id, 0)
  const gridClass = ['wall-grid', urgent.length ? 'wall-has-urgent' : '', feed.tasks ? 'wall-has-tasks' : '']
  return (
    <div class={gridClass.filter(Boolean).join(' ')}>
      {offlineSince !== null ? (
        <p class="wall-offline" role="status" data-testid="wall-offline">
          {t('wall.offlineSince', { time: shopTimeOf(offlineSince, timeZone) })}
        </p>
      ) : null}
      {urgent.length ? <UrgentBanner notices={urgent} tick={tick} /> : null}
      <header class="wall-header">
        <div class="wall-brand">
          <img src="/icons/icon.svg" alt="" class="wall-logo" />
          <h1 class="wall-shop">{feed.shop.name}</h1>
        </div>
        <WallClock timeZone={timeZone} />
      </header>
      <MainRegion notices={pinned} pages={feed.pages} tick={tick} timeZone={timeZone} now={now} />
      <ListRegion
        title={t('wall.boardTitle')}
        class="wall-board"
        items={recent}
        empty={feed.notices.length ? t('wall.nothingElse') : t('wall.noMessages')}
        tick={tick}
        resetKey={newestId(feed.recent)}
      />
      {feed.tasks ? (
        <WallTasksPanel tasks={feed.tasks} generatedAt={feed.generatedAt} timeZone={timeZone} tick={tick} />
      ) : null}
      <div class="wall-side">
        <ListRegion
          title={t('wall.onShiftTitle', { count: feed.onShift.length })}
          class="wall-shift"
          items={people}
          empty={t('wall.nobodyOnShift')}
          tick={tick}
          resetKey={peopleKey}
        />
        {feed.join ? (
          <section class="wall-join" aria-label={t('wall.joinTitle')}>
            <QrImage svg={feed.join.qrSvg} alt={t('wall.joinQrAlt')} size={200} />
            <p class="wall-join-text">
              <strong>{t('wall.joinTitle')}</strong>
              <span>{t('wall.joinText', { shop: feed.shop.name })}</span>
            </p>
          </section>
        ) : null}
      </div>
    </div>
  )
}
