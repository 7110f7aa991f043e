export { register } from './provider';
export { samplingOptions, toChatMessages } from './messages';
