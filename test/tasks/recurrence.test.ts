import t from 'tap'
import {
  localDate,
  localToInstant,
  nextOccurrence,
  occurrencesBetween,
  ruleProblem,
  type RecurrenceRule,
} from '../../server/tasks/recurrence'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const LONDON = 'Europe/London'
const NEW_YORK = 'America/New_York'
const SYDNEY = 'Australia/Sydney'
const KOLKATA = 'Asia/Kolkata'

const utc = (iso: string): number => Date.parse(`${iso}Z`)

function wallClock(at: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at)
}

function gaps(instants: number[]): number[] {
  return instants.slice(1).map((at, i) => (at - instants[i]!) / HOUR)
}

const dailyAtSeven: RecurrenceRule = { repeat: 'daily', minuteOfDay: 420, startDate: '2026-01-01' }

t.test('daily at 07:00 in London stays at 07:00 local across the March DST change', async (t) => {
  const found = occurrencesBetween(dailyAtSeven, LONDON, utc('2026-03-27T00:00'), utc('2026-03-31T00:00'))
  t.same(
    found.map((o) => o.key),
    ['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30'],
  )
  t.same(
    found.map((o) => o.at),
    [utc('2026-03-27T07:00'), utc('2026-03-28T07:00'), utc('2026-03-29T06:00'), utc('2026-03-30T06:00')],
  )
  t.same(
    found.map((o) => wallClock(o.at, LONDON)),
    ['07:00', '07:00', '07:00', '07:00'],
  )
  t.same(gaps(found.map((o) => o.at)), [24, 23, 24], 'the spring-forward day is 23 hours long')
})

t.test('daily at 07:00 in London stays at 07:00 local across the October DST change', async (t) => {
  const found = occurrencesBetween(dailyAtSeven, LONDON, utc('2026-10-23T12:00'), utc('2026-10-26T12:00'))
  t.same(
    found.map((o) => o.key),
    ['2026-10-24', '2026-10-25', '2026-10-26'],
  )
  t.same(
    found.map((o) => wallClock(o.at, LONDON)),
    ['07:00', '07:00', '07:00'],
  )
  t.same(gaps(found.map((o) => o.at)), [25, 24], 'the fall-back day is 25 hours long')
})

t.test('daily in Sydney follows the southern-hemisphere DST change in April', async (t) => {
  const found = occurrencesBetween(dailyAtSeven, SYDNEY, utc('2026-04-03T00:00'), utc('2026-04-05T00:00'))
  t.same(
    found.map((o) => o.key),
    ['2026-04-04', '2026-04-05'],
  )
  t.same(
    found.map((o) => o.at),
    [utc('2026-04-03T20:00'), utc('2026-04-04T21:00')],
    '07:00 AEDT (+11), then 07:00 AEST (+10)',
  )
})

t.test('zones without DST: Kolkata at +05:30 and UTC', async (t) => {
  t.equal(localToInstant('2026-06-15', 420, KOLKATA), utc('2026-06-15T01:30'))
  t.equal(localToInstant('2026-06-15', 420, 'UTC'), utc('2026-06-15T07:00'))
  const found = occurrencesBetween(dailyAtSeven, KOLKATA, utc('2026-06-14T12:00'), utc('2026-06-16T12:00'))
  t.same(gaps(found.map((o) => o.at)), [24])
})

t.test('localDate gives the date on the shop wall, not in UTC', async (t) => {
  t.equal(localDate(utc('2026-03-01T20:00'), KOLKATA), '2026-03-02')
  t.equal(localDate(utc('2026-03-01T14:00'), SYDNEY), '2026-03-02')
  t.equal(localDate(utc('2026-03-02T03:00'), NEW_YORK), '2026-03-01')
  t.equal(localDate(utc('2026-03-02T03:00'), 'UTC'), '2026-03-02')
  t.equal(localDate(utc('2026-10-24T23:30'), LONDON), '2026-10-25', 'BST is still in force')
})

t.test('a local time skipped by spring-forward moves forward by the jump', async (t) => {
  // London jumps from 01:00 to 02:00, so 01:30 is the time that never happens there.
  const london = localToInstant('2026-03-29', 90, LONDON)
  t.equal(london, utc('2026-03-29T01:30'))
  t.equal(wallClock(london, LONDON), '02:30')
  t.equal(localToInstant('2026-03-29', 150, LONDON), utc('2026-03-29T01:30'), '02:30 exists')

  const newYork = localToInstant('2026-03-08', 150, NEW_YORK)
  t.equal(newYork, utc('2026-03-08T07:30'))
  t.equal(wallClock(newYork, NEW_YORK), '03:30')

  const sydney = localToInstant('2026-10-04', 150, SYDNEY)
  t.equal(wallClock(sydney, SYDNEY), '03:30')

  const atHalfTwo: RecurrenceRule = { repeat: 'daily', minuteOfDay: 150, startDate: '2026-03-01' }
  const found = occurrencesBetween(atHalfTwo, NEW_YORK, utc('2026-03-07T00:00'), utc('2026-03-10T00:00'))
  t.same(
    found.map((o) => [o.key, wallClock(o.at, NEW_YORK)]),
    [
      ['2026-03-07', '02:30'],
      ['2026-03-08', '03:30'],
      ['2026-03-09', '02:30'],
    ],
    'the skipped day still has its occurrence',
  )
})

t.test('an occurrence pushed past midnight by a jump is still found, under its own date', async (t) => {
  // Nuuk springs forward at 23:00 local, straight to 00:00 the next day.
  const lateEvening: RecurrenceRule = { repeat: 'daily', minuteOfDay: 1410, startDate: '2026-03-01' }
  const pushed = { key: '2026-03-28', at: utc('2026-03-29T01:30') }
  t.equal(wallClock(pushed.at, 'America/Nuuk'), '00:30')
  const sinceMidnight = utc('2026-03-29T01:00')
  t.same(occurrencesBetween(lateEvening, 'America/Nuuk', sinceMidnight, utc('2026-03-29T02:00')), [pushed])
  t.same(nextOccurrence(lateEvening, 'America/Nuuk', sinceMidnight), pushed)
  t.equal(nextOccurrence(lateEvening, 'America/Nuuk', pushed.at)?.key, '2026-03-29')
})

t.test('an ambiguous local time at fall-back is the first (earlier) instant', async (t) => {
  t.equal(localToInstant('2026-10-25', 90, LONDON), utc('2026-10-25T00:30'), '01:30 BST')
  t.equal(localToInstant('2026-11-01', 90, NEW_YORK), utc('2026-11-01T05:30'), '01:30 EDT')
  t.equal(localToInstant('2026-04-05', 150, SYDNEY), utc('2026-04-04T15:30'), '02:30 AEDT')

  const atHalfOne: RecurrenceRule = { repeat: 'daily', minuteOfDay: 90, startDate: '2026-10-01' }
  const found = occurrencesBetween(atHalfOne, LONDON, utc('2026-10-24T12:00'), utc('2026-10-25T12:00'))
  t.same(found, [{ key: '2026-10-25', at: utc('2026-10-25T00:30') }], 'it happens once, not twice')
})

t.test('a date the zone skipped entirely has no occurrence rather than a duplicate', async (t) => {
  // Samoa moved across the date line: 2011-12-29 23:59 was followed by 2011-12-31 00:00.
  const noon: RecurrenceRule = { repeat: 'daily', minuteOfDay: 720, startDate: '2011-12-01' }
  const found = occurrencesBetween(noon, 'Pacific/Apia', utc('2011-12-28T00:00'), utc('2012-01-01T00:00'))
  t.same(
    found.map((o) => [o.key, o.at]),
    [
      ['2011-12-28', utc('2011-12-28T22:00')],
      ['2011-12-29', utc('2011-12-29T22:00')],
      ['2011-12-31', utc('2011-12-30T22:00')],
      ['2012-01-01', utc('2011-12-31T22:00')],
    ],
    'noon at -10, then noon at +14',
  )
  t.equal(new Set(found.map((o) => o.at)).size, found.length, 'no two at the same instant')
})

t.test('weekdays skip Saturday and Sunday', async (t) => {
  const rule: RecurrenceRule = { repeat: 'weekdays', minuteOfDay: 540, startDate: '2026-03-01' }
  const found = occurrencesBetween(rule, LONDON, utc('2026-02-28T00:00'), utc('2026-03-15T00:00'))
  t.same(
    found.map((o) => o.key),
    [
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-09',
      '2026-03-10',
      '2026-03-11',
      '2026-03-12',
      '2026-03-13',
    ],
  )
  t.same(nextOccurrence(rule, LONDON, utc('2026-03-06T12:00'))?.key, '2026-03-09', 'Friday → Monday')
})

t.test('weekly on Monday and Thursday', async (t) => {
  const rule: RecurrenceRule = {
    repeat: 'weekly',
    minuteOfDay: 600,
    startDate: '2026-03-01',
    weekdays: [4, 1],
  }
  const found = occurrencesBetween(rule, LONDON, utc('2026-03-01T00:00'), utc('2026-03-15T00:00'))
  t.same(
    found.map((o) => o.key),
    ['2026-03-02', '2026-03-05', '2026-03-09', '2026-03-12'],
  )
  t.same(
    found.map((o) => new Date(o.key).getUTCDay()),
    [1, 4, 1, 4],
  )
})

t.test('monthly on the 31st falls on the last day of shorter months', async (t) => {
  const rule: RecurrenceRule = {
    repeat: 'monthly',
    minuteOfDay: 480,
    startDate: '2026-01-01',
    dayOfMonth: 31,
  }
  const in2026 = occurrencesBetween(rule, LONDON, utc('2026-01-01T00:00'), utc('2026-06-01T00:00'))
  t.same(
    in2026.map((o) => o.key),
    ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31'],
  )
  t.same(
    in2026.map((o) => wallClock(o.at, LONDON)),
    ['08:00', '08:00', '08:00', '08:00', '08:00'],
  )
  t.equal(nextOccurrence(rule, LONDON, utc('2028-02-01T00:00'))?.key, '2028-02-29', 'leap year')
  t.equal(nextOccurrence(rule, LONDON, utc('2026-12-31T09:00'))?.key, '2027-01-31', 'year turns')
})

t.test('monthly on an ordinary day happens on that day each month', async (t) => {
  const rule: RecurrenceRule = {
    repeat: 'monthly',
    minuteOfDay: 480,
    startDate: '2026-01-20',
    dayOfMonth: 15,
  }
  const found = occurrencesBetween(rule, LONDON, utc('2025-12-01T00:00'), utc('2026-04-01T00:00'))
  t.same(
    found.map((o) => o.key),
    ['2026-02-15', '2026-03-15'],
    'nothing before the start date',
  )
})

t.test('once happens once', async (t) => {
  const rule: RecurrenceRule = { repeat: 'once', minuteOfDay: 840, startDate: '2026-05-20' }
  const at = utc('2026-05-20T13:00')
  t.same(occurrencesBetween(rule, LONDON, 0, utc('2030-01-01T00:00')), [{ at, key: '2026-05-20' }])
  t.same(occurrencesBetween(rule, LONDON, utc('2026-05-21T00:00'), utc('2026-06-01T00:00')), [])
  t.same(nextOccurrence(rule, LONDON, utc('2026-01-01T00:00')), { at, key: '2026-05-20' })
  t.equal(nextOccurrence(rule, LONDON, at), null)
})

t.test('the end date is the last date with an occurrence', async (t) => {
  const rule: RecurrenceRule = { ...dailyAtSeven, startDate: '2026-03-01', endDate: '2026-03-05' }
  const found = occurrencesBetween(rule, LONDON, utc('2026-02-01T00:00'), utc('2026-04-01T00:00'))
  t.same(
    found.map((o) => o.key),
    ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'],
  )
  t.equal(nextOccurrence(rule, LONDON, utc('2026-03-04T12:00'))?.key, '2026-03-05')
  t.equal(nextOccurrence(rule, LONDON, utc('2026-03-05T07:00')), null, 'ended')
})

t.test('the window excludes its start and includes its end', async (t) => {
  const seven = utc('2026-06-10T06:00')
  t.same(occurrencesBetween(dailyAtSeven, LONDON, seven, seven + DAY - 1), [])
  t.same(
    occurrencesBetween(dailyAtSeven, LONDON, seven - 1, seven).map((o) => o.key),
    ['2026-06-10'],
  )
  t.same(occurrencesBetween(dailyAtSeven, LONDON, seven + HOUR, seven - HOUR), [], 'empty window')
  t.equal(nextOccurrence(dailyAtSeven, LONDON, seven)?.at, seven + DAY)
  t.equal(nextOccurrence(dailyAtSeven, LONDON, seven - 1)?.at, seven)
})

t.test('a three-day outage gives the three missed occurrences, each with its own key', async (t) => {
  const lastTick = utc('2026-05-10T12:00')
  const backUp = utc('2026-05-13T12:00')
  const missed = occurrencesBetween(dailyAtSeven, LONDON, lastTick, backUp)
  t.same(missed, [
    { key: '2026-05-11', at: utc('2026-05-11T06:00') },
    { key: '2026-05-12', at: utc('2026-05-12T06:00') },
    { key: '2026-05-13', at: utc('2026-05-13T06:00') },
  ])
})

t.test('a clock set back asks an earlier window and gets the same keys again', async (t) => {
  const firstRun = occurrencesBetween(dailyAtSeven, LONDON, utc('2026-05-10T12:00'), utc('2026-05-13T12:00'))
  // The clock is wound back two days; the scheduler asks again from where it now believes.
  const afterSetBack = occurrencesBetween(dailyAtSeven, LONDON, utc('2026-05-08T12:00'), utc('2026-05-11T12:00'))
  t.same(
    afterSetBack.map((o) => o.key),
    ['2026-05-09', '2026-05-10', '2026-05-11'],
  )
  const overlapBefore = firstRun.filter((o) => o.key === '2026-05-11')
  const overlapAfter = afterSetBack.filter((o) => o.key === '2026-05-11')
  t.same(overlapAfter, overlapBefore, 'the occurrence seen twice has the same key and instant')
  t.same(
    occurrencesBetween(dailyAtSeven, LONDON, utc('2026-05-10T12:00'), utc('2026-05-13T12:00')),
    firstRun,
    'asking the same window again gives the same answer',
  )
})

t.test('a limit keeps the latest occurrences', async (t) => {
  const from = utc('2026-01-01T00:00')
  const to = utc('2026-04-10T12:00')
  const latestFive = occurrencesBetween(dailyAtSeven, LONDON, from, to, 5)
  t.same(
    latestFive.map((o) => o.key),
    ['2026-04-06', '2026-04-07', '2026-04-08', '2026-04-09', '2026-04-10'],
  )
  const byDefault = occurrencesBetween(dailyAtSeven, LONDON, from, to)
  t.equal(byDefault.length, 62)
  t.equal(byDefault.at(-1)?.key, '2026-04-10')
  t.equal(byDefault[0]?.key, '2026-02-08')
  t.same(occurrencesBetween(dailyAtSeven, LONDON, from, to, 0), [])
  t.throws(() => occurrencesBetween(dailyAtSeven, LONDON, from, to, 1.5), RangeError)
})

t.test('a far-future window stays cheap for every kind of rule', async (t) => {
  const rules: RecurrenceRule[] = [
    { repeat: 'once', minuteOfDay: 0, startDate: '2026-01-01' },
    dailyAtSeven,
    { repeat: 'weekly', minuteOfDay: 0, startDate: '2026-01-01', weekdays: [3] },
    { repeat: 'monthly', minuteOfDay: 0, startDate: '2026-01-01', dayOfMonth: 31 },
  ]
  const started = performance.now()
  for (const rule of rules) occurrencesBetween(rule, LONDON, 0, utc('9999-12-31T00:00'))
  t.ok(performance.now() - started < 2000, 'no day-by-day walk over eight thousand years')
})

t.test('ruleProblem accepts good rules', async (t) => {
  t.equal(ruleProblem(dailyAtSeven), null)
  t.equal(ruleProblem({ repeat: 'once', minuteOfDay: 0, startDate: '2026-02-28' }), null)
  t.equal(ruleProblem({ ...dailyAtSeven, minuteOfDay: 1439, endDate: '2026-01-01' }), null)
  t.equal(ruleProblem({ ...dailyAtSeven, endDate: null }), null)
  t.equal(ruleProblem({ ...dailyAtSeven, repeat: 'weekly', weekdays: [0, 6] }), null)
  t.equal(ruleProblem({ ...dailyAtSeven, repeat: 'monthly', dayOfMonth: 1 }), null)
  t.equal(ruleProblem({ ...dailyAtSeven, startDate: '2028-02-29' }), null, 'a leap day')
})

t.test('ruleProblem rejects bad rules', async (t) => {
  const bad: [string, RecurrenceRule][] = [
    ['unknown repeat', { ...dailyAtSeven, repeat: 'hourly' as never }],
    ['minute below 0', { ...dailyAtSeven, minuteOfDay: -1 }],
    ['minute past the day', { ...dailyAtSeven, minuteOfDay: 1440 }],
    ['fractional minute', { ...dailyAtSeven, minuteOfDay: 420.5 }],
    ['not a date', { ...dailyAtSeven, startDate: 'tomorrow' }],
    ['no leading zeros', { ...dailyAtSeven, startDate: '2026-3-1' }],
    ['month 13', { ...dailyAtSeven, startDate: '2026-13-01' }],
    ['30 February', { ...dailyAtSeven, startDate: '2026-02-30' }],
    ['29 February outside a leap year', { ...dailyAtSeven, startDate: '2026-02-29' }],
    ['bad end date', { ...dailyAtSeven, endDate: '2026-04-31' }],
    ['end before start', { ...dailyAtSeven, startDate: '2026-03-02', endDate: '2026-03-01' }],
    ['weekly without weekdays', { ...dailyAtSeven, repeat: 'weekly' }],
    ['weekly with no weekdays', { ...dailyAtSeven, repeat: 'weekly', weekdays: [] }],
    ['weekday 7', { ...dailyAtSeven, repeat: 'weekly', weekdays: [1, 7] }],
    ['monthly without a day', { ...dailyAtSeven, repeat: 'monthly' }],
    ['day of month 0', { ...dailyAtSeven, repeat: 'monthly', dayOfMonth: 0 }],
    ['day of month 32', { ...dailyAtSeven, repeat: 'monthly', dayOfMonth: 32 }],
  ]
  for (const [name, rule] of bad) t.type(ruleProblem(rule), 'string', name)
  t.match(ruleProblem({ ...dailyAtSeven, endDate: '2025-12-31' }), /before/)
})

t.test('a bad rule, instant or timezone is refused, not guessed at', async (t) => {
  const bad: RecurrenceRule = { ...dailyAtSeven, endDate: '2025-12-31' }
  t.throws(() => occurrencesBetween(bad, LONDON, 0, DAY), RangeError)
  t.throws(() => nextOccurrence(bad, LONDON, 0), RangeError)
  t.throws(() => nextOccurrence(dailyAtSeven, LONDON, Number.NaN), RangeError)
  t.throws(() => nextOccurrence(dailyAtSeven, 'Mars/Olympus_Mons', 0), RangeError)
  t.throws(() => localToInstant('2026-02-30', 0, LONDON), RangeError)
  t.throws(() => localToInstant('2026-02-01', 1440, LONDON), RangeError)
})
