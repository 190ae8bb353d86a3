/**
 * Where keyboard focus goes after the portal moves to another page: the page's own heading, so a
 * screen reader announces it and Tab continues from the top of the new page rather than from the
 * link that was followed. In an engagement's workspace the page is the tab's content, so its first
 * heading after the tabs is meant, not the engagement's name above them.
 */
export function pageHeading(main: HTMLElement): HTMLElement | null {
  const tabs = main.querySelector('nav.tabs')
  if (tabs) {
    const after = Array.from(main.querySelectorAll<HTMLElement>('h1, h2')).find(
      (heading) => tabs.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING,
    )
    if (after) return after
  }
  return main.querySelector<HTMLElement>('h1') ?? main.querySelector<HTMLElement>('h2')
}

/** A field the user is typing in keeps its focus: moving it would lose what they type next. */
function typing(): boolean {
  const active = document.activeElement
  return !!active && active.matches('input, select, textarea, [contenteditable="true"]')
}

/**
 * Focus the page's heading once it is shown (pages load their data and code after the address
 * changes), trying every `interval` ms for up to `attempts` times; the main region itself if no
 * heading comes. Returns a function that stops trying (the address changed again).
 */
export function focusPageHeading(main: HTMLElement, { attempts = 40, interval = 50 } = {}): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  let left = attempts
  const tryFocus = () => {
    if (typing()) return
    const heading = pageHeading(main)
    const loading = !!main.querySelector('[aria-busy="true"], .loading')
    if (heading && !loading) {
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1')
      heading.focus()
      return
    }
    left -= 1
    if (left > 0) timer = setTimeout(tryFocus, interval)
    else (heading ?? main).focus()
  }
  timer = setTimeout(tryFocus, 0)
  return () => clearTimeout(timer)
}
