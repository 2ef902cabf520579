import { render } from 'preact'
import { App } from './app'
import './styles.css'
import { registerServiceWorker } from './lib/push'
import { navigate } from './lib/router'

const root = document.getElementById('app')
if (root) render(<App />, root)
// Offline shell, notifications and taps on them (which open the right page in place).
registerServiceWorker((url) => navigate(url))
