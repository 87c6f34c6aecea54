import { StatusBar } from 'expo-status-bar';
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ActivityIndicator, BackHandler, Pressable, StyleSheet, Text, View } from 'react-native';
import { SafeAreaProvider, SafeAreaView } from 'react-native-safe-area-context';
import { BFF_URL } from './config';
import { AuthScreen } from './screens/AuthScreen';
import { ComposeScreen } from './screens/ComposeScreen';
import { FeedScreen } from './screens/FeedScreen';
import { PostScreen } from './screens/PostScreen';
import { ProfileScreen } from './screens/ProfileScreen';
import { SessionManager, type SessionState } from './session';
import { Button, colors } from './ui';

/** The screens, as a stack: the last route is shown, Back pops it. */
export type Route =
  | { name: 'feed'; generation: number }
  | { name: 'post'; id: string }
  | { name: 'profile'; handle: string }
  | { name: 'compose' }
  | { name: 'auth'; mode: 'sign-in' | 'sign-up' };

interface AppContextValue {
  session: SessionManager;
  state: SessionState;
  push(route: Route): void;
  back(): void;
  /** Back to a fresh feed (after writing a post, or signing in or out). */
  home(): void;
}

const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <App>');
  return value;
}

export default function App() {
  const session = useMemo(() => new SessionManager(BFF_URL), []);
  const [state, setState] = useState<SessionState>(session.state);
  const [stack, setStack] = useState<Route[]>([{ name: 'feed', generation: 0 }]);

  useEffect(() => {
    const unsubscribe = session.subscribe(setState);
    void session.restore();
    return unsubscribe;
  }, [session]);

  const home = useCallback(() => setStack((s) => [{ name: 'feed', generation: (s[0] as { generation: number }).generation + 1 }]), []);
  const back = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  const push = useCallback((route: Route) => setStack((s) => [...s, route]), []);

  // A refused refresh token ends the session wherever the user is: back to the feed, signed out.
  useEffect(() => {
    if (state.status === 'signed-out' && state.reason) home();
  }, [state, home]);

  useEffect(() => {
    const sub = BackHandler.addEventListener('hardwareBackPress', () => {
      if (stack.length === 1) return false;
      back();
      return true;
    });
    return () => sub.remove();
  }, [stack.length, back]);

  const value = useMemo(() => ({ session, state, push, back, home }), [session, state, push, back, home]);
  const route = stack[stack.length - 1];

  return (
    <SafeAreaProvider>
      <AppContext.Provider value={value}>
        <SafeAreaView style={styles.root} edges={['top', 'left', 'right']}>
          <StatusBar style="dark" />
          <Header canGoBack={stack.length > 1} />
          {state.status === 'signed-out' && state.reason ? (
            <Text testID="session-ended" style={styles.ended}>
              {state.reason}
            </Text>
          ) : null}
          <View style={styles.body}>{state.status === 'restoring' ? <ActivityIndicator style={styles.spinner} /> : <Screen route={route} />}</View>
        </SafeAreaView>
      </AppContext.Provider>
    </SafeAreaProvider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'feed':
      return <FeedScreen key={route.generation} />;
    case 'post':
      return <PostScreen id={route.id} />;
    case 'profile':
      return <ProfileScreen key={route.handle} handle={route.handle} />;
    case 'compose':
      return <ComposeScreen />;
    case 'auth':
      return <AuthScreen key={route.mode} mode={route.mode} />;
  }
}

function Header({ canGoBack }: { canGoBack: boolean }) {
  const { state, push, back, home } = useApp();
  return (
    <View style={styles.header}>
      {canGoBack ? <Button kind="plain" title="‹ Back" testID="back" onPress={back} /> : <View style={styles.side} />}
      <Pressable onPress={home} accessibilityRole="header">
        <Text style={styles.title}>Federated</Text>
      </Pressable>
      {state.status === 'signed-in' ? (
        <View style={styles.actions}>
          <Button kind="plain" title="Write" testID="compose" onPress={() => push({ name: 'compose' })} />
          <Button kind="plain" title="Me" testID="me" onPress={() => push({ name: 'profile', handle: state.user.handle })} />
        </View>
      ) : (
        <Button kind="plain" title="Sign in" testID="sign-in" onPress={() => push({ name: 'auth', mode: 'sign-in' })} />
      )}
    </View>
  );
}

const styles = StyleSheet.create({
  root: { flex: 1, backgroundColor: colors.background },
  header: {
    flexDirection: 'row',
    alignItems: 'center',
    justifyContent: 'space-between',
    paddingHorizontal: 6,
    height: 52,
    backgroundColor: colors.card,
    borderBottomWidth: 1,
    borderColor: colors.border,
  },
  title: { fontSize: 18, fontWeight: '700', color: colors.text },
  side: { width: 70 },
  actions: { flexDirection: 'row' },
  body: { flex: 1 },
  spinner: { marginTop: 40 },
  ended: { backgroundColor: '#fde8e8', color: colors.danger, padding: 12, fontSize: 14 },
});
