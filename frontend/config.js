// Where the GraphQL API answers: the one setting a static deployment changes.
export const API_URL = "/graphql";
