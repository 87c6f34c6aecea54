import { graphql } from './gql';

/** Every operation the app sends to bff-web; @graphql-codegen types each from bff-web's schema. */

export const ME = graphql(`
  query Me {
    me {
      id
      handle
      displayName
      role
    }
  }
`);

export const FEED = graphql(`
  query Feed($after: String) {
    posts(first: 10, after: $after) {
      nodes {
        id
        title
        publishedAt
        author {
          handle
          displayName
        }
        coverImage {
          id
          alt
          thumb: url(size: THUMB)
          small: url(size: SMALL)
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const POST = graphql(`
  query PostPage($id: ID!) {
    post(id: $id) {
      id
      title
      body
      bodyHtml
      status
      publishedAt
      author {
        id
        handle
        displayName
      }
      media {
        id
        kind
        alt
        width
        height
        small: url(size: SMALL)
        large: url(size: LARGE)
        original: url(size: ORIGINAL)
      }
    }
  }
`);

export const PROFILE = graphql(`
  query Profile($handle: String!) {
    userByHandle(handle: $handle) {
      id
      handle
      displayName
      role
      avatar {
        alt
        thumb: url(size: THUMB)
      }
      posts(first: 20) {
        nodes {
          id
          title
          publishedAt
        }
      }
    }
  }
`);

export const SIGN_IN = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
      user {
        id
        handle
      }
    }
  }
`);

export const SIGN_UP = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      user {
        id
        handle
      }
    }
  }
`);

export const SIGN_OUT = graphql(`
  mutation SignOut {
    signOut
  }
`);

export const CREATE_POST = graphql(`
  mutation CreatePost($input: CreatePostInput!) {
    createPost(input: $input) {
      id
    }
  }
`);

export const UPDATE_POST = graphql(`
  mutation UpdatePost($id: ID!, $input: UpdatePostInput!) {
    updatePost(id: $id, input: $input) {
      id
      title
      body
      status
    }
  }
`);

export const CREATE_UPLOAD = graphql(`
  mutation CreateUpload($postId: ID!, $kind: MediaKind!, $mimeType: String!, $bytes: Int!, $alt: String) {
    createUpload(postId: $postId, kind: $kind, mimeType: $mimeType, bytes: $bytes, alt: $alt) {
      url
      method
      expiresAt
    }
  }
`);

export const USERS = graphql(`
  query Users {
    users(first: 100) {
      nodes {
        id
        handle
        displayName
        email
        role
      }
    }
  }
`);

export const SET_ROLE = graphql(`
  mutation SetRole($id: ID!, $role: Role!) {
    updateUser(id: $id, input: { role: $role }) {
      id
      role
    }
  }
`);

export const DELETE_POST = graphql(`
  mutation DeletePost($id: ID!) {
    deletePost(id: $id)
  }
`);

export const DELETE_MEDIA = graphql(`
  mutation DeleteMedia($id: ID!) {
    deleteMedia(id: $id)
  }
`);

export const CREATE_AVATAR_UPLOAD = graphql(`
  mutation CreateAvatarUpload($mimeType: String!, $bytes: Int!, $alt: String) {
    createUpload(kind: IMAGE, mimeType: $mimeType, bytes: $bytes, alt: $alt) {
      url
    }
  }
`);
