// The "being prepared" page of a PDF download (templates/core/document_status.html, core/renders.py).
// Ask the server every few seconds whether the file is ready, without reloading the page (a reload
// loses a screen reader's place). When it is ready, say so in the status region and start the
// download; if the render failed, load the page again, which then offers to try again.
const container = document.querySelector('[data-document-status]')

if (container) {
  const every = Math.max(1, Number(container.dataset.refreshSeconds) || 5) * 1000
  const message = container.querySelector('[data-document-message]')

  const check = async () => {
    let status = null
    try {
      const response = await fetch(container.dataset.checkUrl, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store'
      })
      if (response.ok) {
        status = (await response.json()).status
      }
    } catch {
      status = null // the network or the server is down for a moment: ask again later
    }
    if (status === 'ready') {
      message.textContent = message.dataset.readyText
      window.location.assign(container.dataset.documentUrl)
    } else if (status === 'failed') {
      window.location.reload()
    } else {
      window.setTimeout(check, every)
    }
  }

  window.setTimeout(check, every)
}
