/** Passwords refused outright: the most common ones in public breach lists, 8 characters or more. */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '12345678', '123456789', '1234567890', '12345678910', '123123123', '11111111', '00000000',
  '87654321', '11223344', '12341234', '1q2w3e4r', '1q2w3e4r5t', '1qaz2wsx', 'qwertyui',
  'qwertyuiop', 'qwerty123', 'qwerty12', 'asdfghjkl', 'asdfasdf', 'zxcvbnm1', 'password',
  'password1', 'password12', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'iloveyou',
  'iloveyou1', 'sunshine', 'princess', 'football', 'baseball', 'welcome1', 'welcome123',
  'superman', 'starwars', 'whatever', 'trustno1', 'michelle', 'jennifer', 'computer',
  'liverpool', 'chelsea1', 'arsenal1', 'letmein1', 'abcd1234', 'abc12345', 'abcdefgh',
  'aa123456', 'a1234567', 'qazwsxedc', 'zaq12wsx', 'changeme', 'secret123', 'monkey123',
  'dragon12', 'master12', 'shadow12', 'freedom1', 'internet', 'samsung1', 'charlie1',
  'admin123', 'administrator', 'default1', 'q1w2e3r4', 'q1w2e3r4t5', 'pa55word', 'pa$$word',
  'shop1234', 'store123', 'backboard', 'backboard1', 'welcome!', 'letmein!', 'password!',
  'qwerty1234', 'azerty123', 'azertyuiop', '147258369', '123654789', '987654321', '123qweasd',
  '1234qwer', 'qwer1234', 'asdf1234', 'zxcv1234', 'summer2024', 'summer2025', 'summer2026',
  'winter2025', 'winter2026', 'spring2026', 'autumn2026',
])
