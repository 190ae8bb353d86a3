import { useEffect, useRef, type ReactNode } from 'react'

/** A modal panel: focus moves into it, Escape closes it, focus returns where it was. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const panel = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null
    const first = panel.current?.querySelector<HTMLElement>('input, select, textarea, button')
    first?.focus()
    return () => before?.focus()
  }, [])
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        ref={panel}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation()
            onClose()
          }
        }}
      >
        <div className="dialog-title">
          <h2>{title}</h2>
          <button type="button" className="link" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  )
}

/**
 * The buttons at the foot of a dialog's form: the main action (a submit button, or with `onConfirm` a
 * plain one), which reads `busyLabel` and is disabled while `busy`, then Cancel. `className` is the
 * page's layout class for a row of buttons.
 */
export function DialogActions({
  label,
  busyLabel = label,
  busy,
  disabled = false,
  onCancel,
  onConfirm,
  variant = 'primary',
  className = 'form-actions',
}: {
  label: string
  busyLabel?: string
  busy: boolean
  disabled?: boolean
  onCancel: () => void
  onConfirm?: () => void
  variant?: 'primary' | 'danger'
  className?: string
}) {
  return (
    <div className={className}>
      <button type={onConfirm ? 'button' : 'submit'} className={variant} disabled={busy || disabled} onClick={onConfirm}>
        {busy ? busyLabel : label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  )
}
