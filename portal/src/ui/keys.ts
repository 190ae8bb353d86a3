import type { KeyboardEvent } from 'react'

/** A textarea's onKeyDown: Ctrl+Enter (⌘+Enter on a Mac) submits its form. */
export function submitOnCtrlEnter(event: KeyboardEvent<HTMLTextAreaElement>) {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault()
    event.currentTarget.form?.requestSubmit()
  }
}
