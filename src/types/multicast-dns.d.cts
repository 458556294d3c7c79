declare module 'multicast-dns' {
  import { EventEmitter } from 'node:events'
  import { RemoteInfo } from 'node:dgram'

  namespace multicastDns {
    interface Options {
      // the interface address to join the group on and send from
      interface?: string
      // the address the socket binds (default: `interface`)
      bind?: string | false
      port?: number
      ip?: string
      ttl?: number
      loopback?: boolean
      reuseAddr?: boolean
      multicast?: boolean
    }

    interface Question {
      name: string
      type: string
      class?: string | number
    }

    // What dns-packet decodes from the wire: anything may be missing or odd.
    interface ResourceRecord {
      name: string
      type: string
      ttl?: number
      class?: string | number
      flush?: boolean
      data?: unknown
    }

    interface Packet {
      type?: 'query' | 'response'
      flags?: number
      questions?: Question[]
      answers?: ResourceRecord[]
      authorities?: ResourceRecord[]
      additionals?: ResourceRecord[]
    }

    interface MulticastDns extends EventEmitter {
      query(packet: Packet, cb?: (err: Error | null) => void): void
      respond(packet: Packet, cb?: (err: Error | null) => void): void
      destroy(cb?: () => void): void
      on(event: 'query' | 'response', listener: (packet: Packet, rinfo: RemoteInfo) => void): this
      on(event: 'ready', listener: () => void): this
      on(event: 'error' | 'warning', listener: (err: Error) => void): this
    }
  }

  function multicastDns (opts?: multicastDns.Options): multicastDns.MulticastDns
  export = multicastDns
}
