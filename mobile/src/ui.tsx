import { useState, type ReactNode } from 'react';
import { ActivityIndicator, Image, KeyboardAvoidingView, Platform, Pressable, ScrollView, StyleSheet, Text, TextInput, View, type TextInputProps } from 'react-native';
import { mediaUrl } from './config';

export const colors = {
  background: '#f4f5f7',
  card: '#ffffff',
  text: '#1b1e24',
  muted: '#687080',
  accent: '#2f5bea',
  danger: '#c23a3a',
  border: '#e1e4ea',
  placeholder: '#dfe3ea',
  warning: '#fff4d6',
};

export function Button({ title, onPress, testID, disabled, busy, kind = 'primary' }: {
  title: string;
  onPress: () => void;
  testID?: string;
  disabled?: boolean;
  busy?: boolean;
  kind?: 'primary' | 'plain';
}) {
  const inactive = disabled || busy;
  return (
    <Pressable
      accessibilityRole="button"
      testID={testID}
      disabled={inactive}
      onPress={onPress}
      style={({ pressed }) => [styles.button, kind === 'plain' && styles.plainButton, (pressed || inactive) && styles.dimmed]}
    >
      {busy ? <ActivityIndicator color={kind === 'primary' ? '#fff' : colors.accent} /> : <Text style={kind === 'primary' ? styles.buttonText : styles.plainText}>{title}</Text>}
    </Pressable>
  );
}

export function Field({ label, ...props }: TextInputProps & { label: string }) {
  return (
    <View style={styles.field}>
      <Text style={styles.label}>{label}</Text>
      <TextInput accessibilityLabel={label} placeholderTextColor={colors.muted} style={[styles.input, props.multiline && styles.multiline]} {...props} />
    </View>
  );
}

/** A screen of fields under a heading, kept above the keyboard (iOS pads, Android resizes). */
export function FormScreen({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <KeyboardAvoidingView style={styles.fill} behavior={Platform.OS === 'ios' ? 'padding' : undefined}>
      <ScrollView contentContainerStyle={styles.form} keyboardShouldPersistTaps="handled">
        <Text style={styles.heading}>{heading}</Text>
        {children}
      </ScrollView>
    </KeyboardAvoidingView>
  );
}

export function ErrorText({ children, testID = 'error' }: { children: ReactNode; testID?: string }) {
  return (
    <Text accessibilityRole="alert" testID={testID} style={styles.error}>
      {children}
    </Text>
  );
}

/**
 * An image from bff-mobile's media, or a grey placeholder when there is none to show: media
 * could not say (`unavailable`), or the file did not load (media down behind the BFF).
 */
export function Thumb({ path, size, unavailable, round, initial, testID }: {
  path?: string | null;
  size: number;
  unavailable?: boolean;
  round?: boolean;
  /** For an avatar: the letter shown when the person has no picture (which is not a failure). */
  initial?: string;
  testID?: string;
}) {
  const [failed, setFailed] = useState(false);
  const uri = mediaUrl(path);
  const shape = { width: size, height: size, borderRadius: round ? size / 2 : 8 };
  if (!uri && !unavailable && initial) {
    return (
      <View testID="avatar-initial" style={[styles.initial, shape]}>
        <Text style={[styles.initialText, { fontSize: size / 2 }]}>{initial.slice(0, 1).toUpperCase()}</Text>
      </View>
    );
  }
  if (!uri || failed || unavailable) {
    return (
      <View testID="thumb-placeholder" accessibilityLabel="Image unavailable" style={[styles.placeholder, shape]}>
        <Text style={[styles.placeholderMark, { fontSize: size / 3 }]}>{round ? '?' : '▧'}</Text>
      </View>
    );
  }
  // `cover` crops a non-square image to the square instead of stretching it.
  return <Image testID={testID ?? 'thumb'} source={{ uri }} resizeMode="cover" style={[shape, styles.image]} onError={() => setFailed(true)} />;
}

export function Notice({ children, testID }: { children: ReactNode; testID?: string }) {
  return (
    <View testID={testID} accessibilityRole="alert" style={styles.notice}>
      <Text style={styles.noticeText}>{children}</Text>
    </View>
  );
}

export function ProgressBar({ fraction, testID }: { fraction: number; testID?: string }) {
  const percent = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <View testID={testID} accessibilityRole="progressbar" accessibilityValue={{ min: 0, max: 100, now: percent }} style={styles.progress}>
      <View style={[styles.progressFill, { width: `${percent}%` }]} />
      <Text style={styles.progressText}>Uploading photo… {percent}%</Text>
    </View>
  );
}

/** "7 Dec 2026, 14:05": the date and time a person reads, in the phone's locale. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export const styles = StyleSheet.create({
  fill: { flex: 1 },
  form: { padding: 20 },
  heading: { fontSize: 24, fontWeight: '700', color: colors.text, marginBottom: 16 },
  button: { backgroundColor: colors.accent, borderRadius: 10, paddingVertical: 12, paddingHorizontal: 16, alignItems: 'center', marginVertical: 6 },
  plainButton: { backgroundColor: 'transparent', paddingVertical: 8, paddingHorizontal: 10, marginVertical: 0 },
  dimmed: { opacity: 0.6 },
  buttonText: { color: '#fff', fontSize: 16, fontWeight: '600' },
  plainText: { color: colors.accent, fontSize: 16, fontWeight: '600' },
  field: { marginBottom: 12 },
  label: { color: colors.muted, fontSize: 13, marginBottom: 4 },
  input: { backgroundColor: colors.card, borderWidth: 1, borderColor: colors.border, borderRadius: 10, paddingHorizontal: 12, paddingVertical: 10, fontSize: 16, color: colors.text },
  multiline: { minHeight: 120, textAlignVertical: 'top' },
  error: { color: colors.danger, marginVertical: 8, fontSize: 14 },
  placeholder: { backgroundColor: colors.placeholder, alignItems: 'center', justifyContent: 'center' },
  placeholderMark: { color: colors.muted },
  initial: { backgroundColor: '#c9d6fb', alignItems: 'center', justifyContent: 'center' },
  initialText: { color: colors.accent, fontWeight: '700' },
  image: { backgroundColor: colors.placeholder },
  notice: { backgroundColor: colors.warning, paddingHorizontal: 16, paddingVertical: 10, borderBottomWidth: 1, borderColor: '#f0d98a' },
  noticeText: { color: '#6b5200', fontSize: 14 },
  progress: { height: 28, borderRadius: 8, backgroundColor: colors.placeholder, overflow: 'hidden', justifyContent: 'center', marginVertical: 8 },
  progressFill: { position: 'absolute', left: 0, top: 0, bottom: 0, backgroundColor: '#9db3f7' },
  progressText: { textAlign: 'center', color: colors.text, fontSize: 13 },
});
