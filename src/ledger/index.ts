export * from './ledger';
export * from './chain';
