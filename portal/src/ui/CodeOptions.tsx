/** The <option>s of a <select> over a list of codes: each code as the value, its label as the text, in order. */
export function CodeOptions<K extends string>({ codes, label }: { codes: readonly K[]; label: (code: K) => string }) {
  return (
    <>
      {codes.map((code) => (
        <option key={code} value={code}>
          {label(code)}
        </option>
      ))}
    </>
  )
}
