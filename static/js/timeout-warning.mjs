// The timeout warning (templates/layout.html): before the idle limit signs the person out, open
// a modal dialog that a screen reader announces (a native <dialog> opened with showModal takes
// the focus and keeps it inside) with "Stay signed in" and "Sign out". Escape means stay signed
// in, as in the GOV.UK pattern. Staying posts to the keep-alive address, which renews the idle
// limit; doing nothing until the limit passes loads the sign-in page.
const dialog = document.getElementById('timeout-warning')

if (dialog && typeof dialog.showModal === 'function') {
  const idle = Number(dialog.dataset.idleSeconds) * 1000
  const warning = Number(dialog.dataset.warningSeconds) * 1000
  const countdown = dialog.querySelector('[data-timeout-countdown]')
  const stay = dialog.querySelector('[data-timeout-stay]')
  const token = dialog.querySelector('input[name="csrf_token"]').value
  let warnTimer = null
  let endTimer = null
  let tickTimer = null
  let deadline = 0

  const words = (milliseconds) => {
    const seconds = Math.max(0, Math.ceil(milliseconds / 1000))
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60)
      return `in ${minutes} minute${minutes === 1 ? '' : 's'}`
    }
    return `in ${seconds} second${seconds === 1 ? '' : 's'}`
  }

  const tick = () => {
    // Updated every 15 seconds, not every second, so a screen reader is not flooded.
    countdown.textContent = words(deadline - Date.now())
  }

  const start = () => {
    clearTimeout(warnTimer)
    clearTimeout(endTimer)
    clearInterval(tickTimer)
    deadline = Date.now() + idle
    warnTimer = setTimeout(() => {
      tick()
      tickTimer = setInterval(tick, 15000)
      dialog.showModal()
    }, Math.max(0, idle - warning))
    endTimer = setTimeout(() => {
      window.location.assign(dialog.dataset.signedOutUrl)
    }, idle)
  }

  const keepAlive = async () => {
    try {
      const response = await fetch(dialog.dataset.keepAliveUrl, {
        method: 'POST',
        headers: { 'X-CSRFToken': token },
        credentials: 'same-origin'
      })
      if (!response.ok) {
        window.location.assign(dialog.dataset.signedOutUrl)
        return
      }
    } catch (error) {
      return // offline for a moment: the dialog stays open, the person can try again
    }
    dialog.close()
    start()
  }

  stay.addEventListener('click', keepAlive)
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault() // Escape: stay signed in
    keepAlive()
  })
  start()
}
