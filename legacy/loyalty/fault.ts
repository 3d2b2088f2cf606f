/** SOAP 1.1 fault codes (SOAP 1.1 §4.4.1), as sent with the `soap:` prefix. */
export type FaultCode = 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand';

/** A SOAP fault the service answers with (HTTP 500). */
export class SoapFault extends Error {
  constructor(
    readonly faultcode: FaultCode,
    message: string,
    /** Machine code carried in the fault detail; none for header faults (SOAP 1.1 §4.4). */
    readonly code: string | undefined,
    readonly field?: string,
    readonly value?: string,
  ) {
    super(message);
  }
}

/** The caller's mistake: the message, an argument or the operation is wrong. */
export function clientFault(code: string, message: string, field?: string, value?: string): SoapFault {
  return new SoapFault('Client', message, code, field, value);
}

/** The service failed; the same request may succeed later. */
export function serverFault(code: string, message: string): SoapFault {
  return new SoapFault('Server', `Server was unable to process request. ---> ${message}`, code);
}
