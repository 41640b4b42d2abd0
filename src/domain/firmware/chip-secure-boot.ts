import type { SignatureScheme } from './signature-block.js';

/** How a chip's ROM checks Secure Boot v2 signature blocks. */
export interface ChipSecureBoot {
  /** What the refusals call the chip. */
  readonly label: string;
  /** The ROM checks block 0 only (the original ESP32: SECURE_BOOT_NUM_BLOCKS 1). */
  readonly firstBlockOnly: boolean;
  /** The schemes its ROM can verify. */
  readonly schemes: ReadonlySet<SignatureScheme>;
}

const RSA: ReadonlySet<SignatureScheme> = new Set(['RSA-3072']);
const ANY: ReadonlySet<SignatureScheme> = new Set(['RSA-3072', 'ECDSA-P192', 'ECDSA-P256', 'ECDSA-P384']);

/**
 * The chips whose rules are known from ESP-IDF (esp32*\/rom/secure_boot.h and the Secure Boot v2
 * guide): the ESP32 (ECO3) checks one block and only RSA-3072; the S2, S3 and C3 try each of up
 * to 3 blocks, RSA-3072 only; the C2 takes ECDSA only (P-192 or P-256, one block per key slot but
 * any block may match); the C6 and H2 take RSA-3072 or ECDSA P-192/P-256.
 */
const KNOWN: Readonly<Record<string, ChipSecureBoot>> = {
  esp32: { label: 'an ESP32', firstBlockOnly: true, schemes: RSA },
  esp32s2: { label: 'an ESP32-S2', firstBlockOnly: false, schemes: RSA },
  esp32s3: { label: 'an ESP32-S3', firstBlockOnly: false, schemes: RSA },
  esp32c3: { label: 'an ESP32-C3', firstBlockOnly: false, schemes: RSA },
  esp32c2: { label: 'an ESP32-C2', firstBlockOnly: false, schemes: new Set(['ECDSA-P192', 'ECDSA-P256']) },
  esp32c6: { label: 'an ESP32-C6', firstBlockOnly: false, schemes: new Set(['RSA-3072', 'ECDSA-P192', 'ECDSA-P256']) },
  esp32h2: { label: 'an ESP32-H2', firstBlockOnly: false, schemes: new Set(['RSA-3072', 'ECDSA-P192', 'ECDSA-P256']) },
};

/**
 * The chip's rules; for a chip not confirmed above (P4, C5, C61, H21, H4, S31, unknown ids) any
 * block and any scheme fuota can verify is taken, since refusing an image such a device boots
 * would be worse than reporting it.
 */
export function chipSecureBoot(chip: string | undefined): ChipSecureBoot {
  return (
    (chip === undefined ? undefined : KNOWN[chip]) ?? {
      label: `a ${chip ?? 'device'}`,
      firstBlockOnly: false,
      schemes: ANY,
    }
  );
}
