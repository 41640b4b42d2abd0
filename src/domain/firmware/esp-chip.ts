/** ESP-IDF's `esp_chip_id_t` values (esp_app_format.h), as esptool names them. */
export const ESP_CHIPS: Readonly<Record<number, string>> = {
  0x0000: 'esp32',
  0x0002: 'esp32s2',
  0x0005: 'esp32c3',
  0x0009: 'esp32s3',
  0x000a: 'esp32h2-beta(IDF<=4.4)',
  0x000c: 'esp32c2',
  0x000d: 'esp32c6',
  0x0010: 'esp32h2',
  0x0012: 'esp32p4',
  0x0014: 'esp32c61',
  0x0017: 'esp32c5',
  0x0019: 'esp32h21',
  0x001c: 'esp32h4',
  0x0020: 'esp32s31',
};

export function chipName(chipId: number): string | undefined {
  return ESP_CHIPS[chipId];
}
