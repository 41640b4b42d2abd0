/**
 * The patch formats fuota makes, by id. A device names the one it applies in its check
 * (`delta=<id>`); every patch is stored under its format's id, so a later format can live beside
 * this one without a device ever receiving bytes it cannot decode.
 *
 * `edo1-hs8-7`: what Espressif's esp_delta_ota applies: a detools "sequential" patch compressed
 * with heatshrink (window 8, lookahead 7, the only setting its decoder takes), no data-format
 * section, behind the 64-byte header of Espressif's https_delta_ota example.
 */
export const EDO1_HS8_7 = 'edo1-hs8-7' as const;

export type DeltaFormatId = typeof EDO1_HS8_7;

export function isDeltaFormatId(raw: string): raw is DeltaFormatId {
  return raw === EDO1_HS8_7;
}
