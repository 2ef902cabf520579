/** Amounts typed into the Xero draft forms: a decimal point or comma, thousands grouped, a currency sign. */
import t from 'tap'
import { parseAmount } from '../../web/src/features/xero/amount'

t.test('parseAmount() reads amounts the way shop staff type them', async (t) => {
  t.equal(parseAmount('42.50'), 42.5)
  t.equal(parseAmount('42,50'), 42.5, 'a decimal comma')
  t.equal(parseAmount('£42.50'), 42.5, 'a currency sign in front')
  t.equal(parseAmount(' 3 '), 3, 'spaces around')
  t.equal(parseAmount('1,240'), 1240, 'a comma before three digits groups thousands')
  t.equal(parseAmount('1,240.50'), 1240.5)
  t.equal(parseAmount('12 500,75'), 12500.75, 'spaces group thousands with a decimal comma')
  t.equal(parseAmount('-15'), -15, 'a credit line')
})

t.test('parseAmount() answers null for what is not an amount', async (t) => {
  t.equal(parseAmount(''), null)
  t.equal(parseAmount('   '), null)
  t.equal(parseAmount('twelve'), null)
  t.equal(parseAmount('4.2.1'), null)
})
