declare module 'sodium-universal' {
  export const crypto_box_SEALBYTES: number
  export const crypto_box_PUBLICKEYBYTES: number
  export const crypto_box_SECRETKEYBYTES: number
  export const crypto_box_SEEDBYTES: number
  export const crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number
  export const crypto_aead_xchacha20poly1305_ietf_ABYTES: number
  export const crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number
  export function crypto_box_seed_keypair (publicKey: Buffer, secretKey: Buffer, seed: Buffer): void
  export function crypto_box_seal (ciphertext: Buffer, message: Buffer, publicKey: Buffer): void
  export function crypto_box_seal_open (message: Buffer, ciphertext: Buffer, publicKey: Buffer, secretKey: Buffer): boolean
  // returns the bytes written
  export function crypto_aead_xchacha20poly1305_ietf_encrypt (ciphertext: Buffer, message: Buffer, ad: Buffer | null, nsec: null, npub: Buffer, key: Buffer): number
  // throws when the ciphertext does not authenticate
  export function crypto_aead_xchacha20poly1305_ietf_decrypt (message: Buffer, nsec: null, ciphertext: Buffer, ad: Buffer | null, npub: Buffer, key: Buffer): number
  export function crypto_generichash (out: Buffer, input: Buffer, key?: Buffer): void
  export function randombytes_buf (buf: Buffer): void
}
