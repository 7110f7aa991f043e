export { register } from './participant';
