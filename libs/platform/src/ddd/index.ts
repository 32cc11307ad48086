// Framework-free building blocks a context's domain/ may import.
export * from './aggregate-root';
export * from './domain-error';
export * from './uuid';
