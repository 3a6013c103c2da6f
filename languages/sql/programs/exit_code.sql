SELECT 'about to fail';
.exit 3
