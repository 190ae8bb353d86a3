/**
 * Transfers the typed client does not cover well: a raw-body upload with progress (XMLHttpRequest
 * reports upload progress, fetch does not) and an authorised download saved as a file. Both use
 * documented API routes only, with the same token and refresh rules as the typed client.
 */
import { authorised, session } from '../auth/session'
import { ApiError, networkError, problemFrom } from './errors'

export interface UploadOptions {
  contentType?: string
  headers?: Record<string, string>
  onProgress?: (fraction: number) => void
  signal?: AbortSignal
}

function sendOnce(url: string, body: Blob, options: UploadOptions): Promise<{ status: number; body: unknown; statusText: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    if (session.token) xhr.setRequestHeader('Authorization', `Bearer ${session.token}`)
    xhr.setRequestHeader('Content-Type', options.contentType || body.type || 'application/octet-stream')
    for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total)
    }
    xhr.onload = () => {
      let parsed: unknown = xhr.responseText
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null
      } catch {
        /* not JSON: keep the text */
      }
      resolve({ status: xhr.status, body: parsed, statusText: xhr.statusText })
    }
    xhr.onerror = () => reject(networkError(new Error('upload failed')))
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'))
    options.signal?.addEventListener('abort', () => xhr.abort())
    xhr.send(body)
  })
}

/** POST a file as the raw body; the parsed JSON answer, or an ApiError naming what was wrong. */
export async function uploadRaw<T>(url: string, body: Blob, options: UploadOptions = {}): Promise<T> {
  const answer = await authorised(() => sendOnce(url, body, options))
  if (answer.status < 200 || answer.status >= 300) {
    throw new ApiError(answer.status, problemFrom(answer.status, answer.body, answer.statusText))
  }
  options.onProgress?.(1)
  return answer.body as T
}

function filenameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (star) return decodeURIComponent(star[1])
  const plain = /filename="?([^";]+)"?/i.exec(disposition)
  return plain ? plain[1] : fallback
}

async function getOnce(url: string): Promise<Response> {
  const headers: Record<string, string> = {}
  if (session.token) headers.Authorization = `Bearer ${session.token}`
  try {
    return await fetch(url, { headers })
  } catch (err) {
    throw networkError(err)
  }
}

/** GET a file with the access token and hand it to the browser as a download. */
export async function download(url: string, fallbackName: string): Promise<string> {
  const response = await authorised(() => getOnce(url))
  if (!response.ok) {
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      /* keep the text */
    }
    throw new ApiError(response.status, problemFrom(response.status, body, response.statusText))
  }
  const name = filenameFrom(response.headers.get('Content-Disposition'), fallbackName)
  saveFile(await response.blob(), name)
  return name
}

/** Hand a blob to the browser as a download named `name`. */
export function saveFile(blob: Blob, name: string) {
  const href = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = href
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}
