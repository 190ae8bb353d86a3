import { useState } from 'react'

/**
 * A hand-written submit: `run(action)` is busy while the action runs and keeps what it threw for
 * <ErrorMessage>; `clearError()` forgets an earlier failure.
 */
export function useAction() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const run = async (action: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await action()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, run, clearError: () => setError(null) }
}
