import test from 'brittle'
import { Feed, Network } from '../src/index.js'
import { firewalledOn, isPrivateHost, resolveNetworkOptions } from '../src/network/options.js'
import { testnet } from './helpers/index.js'

test('firewalled: false only when every bootstrap node is on loopback or a private network', (t) => {
  for (const host of ['127.0.0.1', '127.8.9.1', 'localhost', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.1', '192.168.1.10', '169.254.3.4']) {
    t.ok(isPrivateHost(host), `${host} is private`)
  }
  for (const host of ['8.8.8.8', '172.15.0.1', '172.32.0.1', '192.169.0.1', '169.253.0.1', '11.0.0.1', '100.64.0.1', 'bootstrap.example.com']) {
    t.absent(isPrivateHost(host), `${host} is not`)
  }
  t.absent(firewalledOn([{ host: '127.0.0.1', port: 1 }, { host: '192.168.1.10', port: 2 }]), 'loopback and LAN: reachable')
  t.ok(firewalledOn([{ host: '192.168.1.10', port: 2 }, { host: '88.99.3.86', port: 49737 }]), 'one public node: prove it')
  t.ok(firewalledOn([{ host: '88.99.3.86', port: 49737 }]), 'a server with peers behind home NATs: prove it')
  t.ok(firewalledOn(null), 'the public DHT: prove it')
  t.is(resolveNetworkOptions({ bootstrap: '203.0.113.7:49737' }, {}).firewalled, undefined, 'the CLI leaves it to the rule (after host names resolve)')
  t.is(resolveNetworkOptions({ bootstrap: '10.1.2.3:49737' }, {}).firewalled, undefined)
})

test('a Network on a loopback bootstrap node says it is reachable from the start', async (t) => {
  const { bootstrap } = await testnet(t)
  const feed = await Feed.openWriterIn({ storage: await t.tmp() }, 'reach')
  t.teardown(() => feed.close())
  const network = new Network(feed.store, { bootstrap, host: '127.0.0.1' })
  t.teardown(() => network.close(), { order: -1 })
  await network.ready()
  t.is(network.swarm!.dht.firewalled, false)
})
