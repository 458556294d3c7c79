declare module 'brittle' {
  namespace test {
    interface TestOptions {
      timeout?: number
      skip?: boolean
      solo?: boolean
    }

    interface Assert {
      is(actual: unknown, expected: unknown, message?: string): void
      not(actual: unknown, expected: unknown, message?: string): void
      alike(actual: unknown, expected: unknown, message?: string): void
      unlike(actual: unknown, expected: unknown, message?: string): void
      ok(value: unknown, message?: string): void
      absent(value: unknown, message?: string): void
      pass(message?: string): void
      fail(message?: string): void
      exception: ((fn: Promise<unknown> | (() => unknown), error?: RegExp | ErrorConstructor, message?: string) => Promise<void>) & {
        all(fn: Promise<unknown> | (() => unknown), error?: RegExp | ErrorConstructor, message?: string): Promise<void>
      }
      execution(fn: Promise<unknown> | (() => unknown), message?: string): Promise<void>
      plan(n: number): void
      tmp(): Promise<string>
      teardown(fn: () => unknown, opts?: { order?: number, force?: boolean }): void
      timeout(ms: number): void
      comment(...message: unknown[]): void
      test(name: string, fn: (t: Assert) => unknown): Promise<boolean>
      readonly name: string
      readonly fails: number
    }

    type TestFn = (t: Assert) => unknown | Promise<unknown>

    function solo(name: string, fn: TestFn): Promise<boolean>
    function solo(name: string, opts: TestOptions, fn: TestFn): Promise<boolean>
    function skip(name: string, fn: TestFn): Promise<boolean>
    function skip(name: string, opts: TestOptions, fn: TestFn): Promise<boolean>
    function configure(opts: { timeout?: number, bail?: boolean }): void
  }

  function test(name: string, fn: test.TestFn): Promise<boolean>
  function test(name: string, opts: test.TestOptions, fn: test.TestFn): Promise<boolean>

  export = test
}
